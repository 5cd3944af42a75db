//! The ISO/TS 17090 hcRole carried in HPKI certificates, and the qualifications it names.

use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Tag, TagNumber,
    Tagged, Writer,
    asn1::{Any, ContextSpecific, SetOfVec},
};
use x509_cert::{
    attr::Attribute, ext::pkix::SubjectDirectoryAttributes, ext::pkix::name::DirectoryString,
};

use crate::Error;

/// `id-hcpki-at-healthcareactor` (ISO/TS 17090-3): the attribute type of hcRole.
pub(crate) const HC_ACTOR_OID: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.0.17090.0.1");
/// The coding scheme of the Japanese HPKI qualification texts.
pub const HPKI_ROLE_SCHEME: &str = "1.2.392.100495.1.6.1.1";
/// `subjectDirectoryAttributes`, the extension that carries hcRole.
pub(crate) const SUBJECT_DIRECTORY_ATTRIBUTES: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.9");

/// A healthcare qualification named by an HPKI certificate's hcRole.
///
/// HPKI knows about 24–27 national qualifications and 5 manager roles; the ones seen in
/// practice have their own arm, every other text is kept as [`Qualification::Other`].
/// Parsing never fails on an unknown text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Qualification {
    /// 医師, `Medical Doctor`.
    MedicalDoctor,
    /// 歯科医師, `Dentist` (the spelling is unsettled: `Dental Doctor` and
    /// `Dental Practitioner` are read as this too).
    Dentist,
    /// 薬剤師, `Pharmacist`.
    Pharmacist,
    /// 病院長, `Director of Hospital` (a manager role).
    DirectorOfHospital,
    /// 診療所長, `Director of Clinic` (a manager role).
    DirectorOfClinic,
    /// Any other role text, exactly as the certificate carries it.
    Other(String),
}

impl Qualification {
    /// The stable name used in reports and JSON: the variant's name (`MedicalDoctor`,
    /// `Pharmacist`, ...), or the hcRole text itself for [`Qualification::Other`].
    pub fn name(&self) -> &str {
        match self {
            Self::MedicalDoctor => "MedicalDoctor",
            Self::Dentist => "Dentist",
            Self::Pharmacist => "Pharmacist",
            Self::DirectorOfHospital => "DirectorOfHospital",
            Self::DirectorOfClinic => "DirectorOfClinic",
            Self::Other(text) => text,
        }
    }

    /// Maps an hcRole free text to a qualification; unknown texts become
    /// [`Qualification::Other`]. Case and surrounding spaces are ignored, and the
    /// Japanese names are recognised too.
    pub fn from_text(text: &str) -> Self {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        match (lower.as_str(), t) {
            ("medical doctor", _) | (_, "医師") => Self::MedicalDoctor,
            ("dentist" | "dental doctor" | "dental practitioner", _) | (_, "歯科医師") => {
                Self::Dentist
            }
            ("pharmacist", _) | (_, "薬剤師") => Self::Pharmacist,
            ("director of hospital", _) | (_, "病院長") => Self::DirectorOfHospital,
            ("director of clinic", _) | (_, "診療所長") => Self::DirectorOfClinic,
            _ => Self::Other(text.to_owned()),
        }
    }

    /// The text written into an hcRole for this qualification.
    pub fn text(&self) -> &str {
        match self {
            Self::MedicalDoctor => "Medical Doctor",
            Self::Dentist => "Dentist",
            Self::Pharmacist => "Pharmacist",
            Self::DirectorOfHospital => "Director of Hospital",
            Self::DirectorOfClinic => "Director of Clinic",
            Self::Other(s) => s,
        }
    }

    /// Whether this is a manager role rather than a national qualification.
    pub fn is_manager_role(&self) -> bool {
        matches!(self, Self::DirectorOfHospital | Self::DirectorOfClinic)
    }
}

impl core::fmt::Display for Qualification {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.text())
    }
}

/// One healthcare actor of an hcRole (ISO/TS 17090-3):
///
/// ```text
/// HCActor ::= SEQUENCE {
///     codedData            [0] EXPLICIT CodedData,
///     regionalHCActorData  [1] EXPLICIT SEQUENCE OF RegionalData OPTIONAL }
/// CodedData ::= SET {
///     codingSchemeReference [0] EXPLICIT OBJECT IDENTIFIER,
///     codeDataValue         [1] EXPLICIT NumericString OPTIONAL,
///     codeDataFreeText      [2] EXPLICIT DirectoryString OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HcActor {
    /// `codingSchemeReference`, dotted (HPKI: [`HPKI_ROLE_SCHEME`]).
    pub coding_scheme: String,
    /// `codeDataValue`, digits only.
    pub code: Option<String>,
    /// `codeDataFreeText`: the role text, e.g. `Medical Doctor`.
    pub free_text: Option<String>,
    /// `regionalHCActorData`: the DER of the tagged element's content, kept verbatim.
    pub regional_data: Option<Vec<u8>>,
}

impl HcActor {
    /// The qualification this actor names, when its scheme is the HPKI one and it has
    /// a free text.
    pub fn qualification(&self) -> Option<Qualification> {
        if self.coding_scheme != HPKI_ROLE_SCHEME {
            return None;
        }
        self.free_text.as_deref().map(Qualification::from_text)
    }
}

/// The hcRole of an HPKI certificate: the `subjectDirectoryAttributes` extension
/// (2.5.29.9, non-critical) holding the attribute `1.0.17090.0.1` whose value is
/// `SET OF HCActor`.
///
/// ```text
/// SubjectDirectoryAttributes ::= SEQUENCE SIZE (1..MAX) OF Attribute
/// Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET OF AttributeValue }
///   -- type 1.0.17090.0.1, one value: SET OF HCActor
/// ```
///
/// The encoding is byte-identical to the real MEDIS certificates:
///
/// ```
/// use hpki_cert::{HcRole, Qualification};
///
/// let der = HcRole::new(Qualification::MedicalDoctor).to_der()?;
/// assert_eq!(der.len(), 0x36);
/// assert_eq!(HcRole::parse(&der)?.qualification(), Some(Qualification::MedicalDoctor));
/// # Ok::<(), hpki_cert::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HcRole {
    actors: Vec<HcActor>,
}

impl HcRole {
    /// An hcRole with one HPKI actor whose free text is the qualification's text.
    pub fn new(qualification: Qualification) -> Self {
        Self {
            actors: vec![HcActor {
                coding_scheme: HPKI_ROLE_SCHEME.to_owned(),
                code: None,
                free_text: Some(qualification.text().to_owned()),
                regional_data: None,
            }],
        }
    }

    /// An hcRole with the given actors.
    pub fn from_actors(actors: Vec<HcActor>) -> Self {
        Self { actors }
    }

    /// The actors, in certificate order.
    pub fn actors(&self) -> &[HcActor] {
        &self.actors
    }

    /// The first qualification named with the HPKI coding scheme.
    pub fn qualification(&self) -> Option<Qualification> {
        self.actors.iter().find_map(HcActor::qualification)
    }

    /// Parses the extension value (the content of the extension's OCTET STRING).
    pub fn parse(ext_value_der: &[u8]) -> Result<Self, Error> {
        let sda = SubjectDirectoryAttributes::from_der(ext_value_der)
            .map_err(Error::der("hcRole subjectDirectoryAttributes"))?;
        let attr = sda
            .0
            .iter()
            .find(|a| a.oid == HC_ACTOR_OID)
            .ok_or_else(|| Error::HcRole("no 1.0.17090.0.1 attribute".into()))?;
        let mut actors = Vec::new();
        for value in attr.values.iter() {
            if value.tag() != Tag::Set {
                return Err(Error::HcRole(format!(
                    "attribute value is {} not SET OF HCActor",
                    value.tag()
                )));
            }
            let mut reader =
                der::SliceReader::new(value.value()).map_err(Error::der("hcRole value"))?;
            while !reader.is_finished() {
                let actor: HcActorAsn1 = reader.decode().map_err(Error::der("HCActor"))?;
                actors.push(actor.into_actor()?);
            }
        }
        if actors.is_empty() {
            return Err(Error::HcRole("no HCActor".into()));
        }
        Ok(Self { actors })
    }

    /// Finds and parses the hcRole of a certificate; `None` when the certificate does
    /// not parse or carries no hcRole.
    pub fn from_certificate(cert_der: &[u8]) -> Option<Self> {
        let cert = x509_cert::Certificate::from_der(cert_der).ok()?;
        Self::from_tbs(cert.tbs_certificate())
    }

    pub(crate) fn from_tbs(tbs: &x509_cert::TbsCertificate) -> Option<Self> {
        tbs.extensions()?
            .iter()
            .filter(|e| e.extn_id == SUBJECT_DIRECTORY_ATTRIBUTES)
            .find_map(|e| Self::parse(e.extn_value.as_bytes()).ok())
    }

    /// The DER of the extension value (to wrap in a non-critical 2.5.29.9 extension).
    pub fn to_der(&self) -> Result<Vec<u8>, Error> {
        let mut set_content = Vec::new();
        for actor in &self.actors {
            HcActorAsn1::from_actor(actor)?
                .encode_to_vec(&mut set_content)
                .map_err(Error::der("HCActor"))?;
        }
        let value = Any::new(Tag::Set, set_content).map_err(Error::der("hcRole value"))?;
        let mut values = SetOfVec::new();
        values.insert(value).map_err(Error::der("hcRole value"))?;
        let sda = SubjectDirectoryAttributes(vec![Attribute {
            oid: HC_ACTOR_OID,
            values,
        }]);
        sda.to_der().map_err(Error::der("hcRole"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, der::Sequence)]
struct HcActorAsn1 {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    coded_data: CodedData,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    regional: Option<Any>,
}

impl HcActorAsn1 {
    fn into_actor(self) -> Result<HcActor, Error> {
        let code = match self.coded_data.code {
            None => None,
            Some(any) => {
                if any.tag() != Tag::NumericString {
                    return Err(Error::HcRole("codeDataValue is not a NumericString".into()));
                }
                Some(String::from_utf8_lossy(any.value()).into_owned())
            }
        };
        Ok(HcActor {
            coding_scheme: self.coded_data.scheme.to_string(),
            code,
            free_text: self.coded_data.free_text.map(|d| d.value().into_owned()),
            regional_data: self.regional.and_then(|a| a.to_der().ok()),
        })
    }

    fn from_actor(actor: &HcActor) -> Result<Self, Error> {
        let scheme = const_oid::ObjectIdentifier::new(&actor.coding_scheme)
            .map_err(|e| Error::HcRole(format!("coding scheme {:?}: {e}", actor.coding_scheme)))?;
        let code = match &actor.code {
            None => None,
            Some(c) if c.bytes().all(|b| b.is_ascii_digit() || b == b' ') => Some(
                Any::new(Tag::NumericString, c.as_bytes()).map_err(Error::der("codeDataValue"))?,
            ),
            Some(c) => return Err(Error::HcRole(format!("codeDataValue {c:?} is not numeric"))),
        };
        let regional = match &actor.regional_data {
            None => None,
            Some(d) => Some(Any::from_der(d).map_err(Error::der("regionalHCActorData"))?),
        };
        Ok(Self {
            coded_data: CodedData {
                scheme,
                code,
                free_text: actor.free_text.clone().map(DirectoryString::Utf8String),
            },
            regional,
        })
    }
}

/// `CodedData ::= SET { [0] OID, [1] NumericString OPTIONAL, [2] DirectoryString OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CodedData {
    scheme: const_oid::ObjectIdentifier,
    code: Option<Any>,
    free_text: Option<DirectoryString>,
}

impl FixedTag for CodedData {
    const TAG: Tag = Tag::Set;
}

impl<'a> DecodeValue<'a> for CodedData {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        // DER sorts a SET's members by tag, which for [0] [1] [2] is declaration order.
        let scheme =
            ContextSpecific::<const_oid::ObjectIdentifier>::decode_explicit(reader, TagNumber(0))?
                .ok_or_else(|| {
                    reader.error(der::ErrorKind::TagUnexpected {
                        expected: Some(Tag::ContextSpecific {
                            constructed: true,
                            number: TagNumber(0),
                        }),
                        actual: Tag::Null,
                    })
                })?
                .value;
        let code = ContextSpecific::<Any>::decode_explicit(reader, TagNumber(1))?.map(|c| c.value);
        let free_text = ContextSpecific::<DirectoryString>::decode_explicit(reader, TagNumber(2))?
            .map(|c| c.value);
        Ok(Self {
            scheme,
            code,
            free_text,
        })
    }
}

impl CodedData {
    fn fields(&self) -> [Option<ContextSpecific<Any>>; 3] {
        let explicit = |n: u32, any: Option<Any>| {
            any.map(|value| ContextSpecific {
                tag_number: TagNumber(n),
                tag_mode: der::TagMode::Explicit,
                value,
            })
        };
        [
            explicit(0, Any::encode_from(&self.scheme).ok()),
            explicit(1, self.code.clone()),
            explicit(
                2,
                self.free_text
                    .as_ref()
                    .and_then(|t| Any::encode_from(t).ok()),
            ),
        ]
    }
}

impl EncodeValue for CodedData {
    fn value_len(&self) -> der::Result<Length> {
        self.fields()
            .iter()
            .flatten()
            .try_fold(Length::ZERO, |acc, f| acc + f.encoded_len()?)
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        for f in self.fields().iter().flatten() {
            f.encode(writer)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Qualification {
    /// As its [`name`](Qualification::name).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The extension value of the real MEDIS test physician (docs/spec/signatures.md §3).
    pub(crate) const REAL_MEDICAL_DOCTOR: &str = "303430320606288185420001312831263024A0223120A00C060A2A830886910F01060101A2100C0E4D65646963616C20446F63746F72";

    #[test]
    fn builds_the_real_medis_bytes() {
        let der = HcRole::new(Qualification::MedicalDoctor).to_der().unwrap();
        assert_eq!(hex::encode_upper(der), REAL_MEDICAL_DOCTOR);
    }

    #[test]
    fn parses_the_real_medis_bytes() {
        let role = HcRole::parse(&hex::decode(REAL_MEDICAL_DOCTOR).unwrap()).unwrap();
        assert_eq!(role.qualification(), Some(Qualification::MedicalDoctor));
        let actor = &role.actors()[0];
        assert_eq!(actor.coding_scheme, HPKI_ROLE_SCHEME);
        assert_eq!(actor.code, None);
        assert_eq!(actor.free_text.as_deref(), Some("Medical Doctor"));
    }

    #[test]
    fn unknown_role_text_is_kept_not_refused() {
        let q = Qualification::Other("Radiological Technologist".into());
        let der = HcRole::new(q.clone()).to_der().unwrap();
        assert_eq!(HcRole::parse(&der).unwrap().qualification(), Some(q));
    }

    #[test]
    fn every_named_qualification_round_trips() {
        for q in [
            Qualification::MedicalDoctor,
            Qualification::Dentist,
            Qualification::Pharmacist,
            Qualification::DirectorOfHospital,
            Qualification::DirectorOfClinic,
        ] {
            let der = HcRole::new(q.clone()).to_der().unwrap();
            assert_eq!(
                HcRole::parse(&der).unwrap().qualification(),
                Some(q.clone())
            );
            assert_eq!(Qualification::from_text(q.text()), q);
        }
        assert_eq!(
            Qualification::from_text(" dental doctor "),
            Qualification::Dentist
        );
        assert_eq!(
            Qualification::from_text("薬剤師"),
            Qualification::Pharmacist
        );
    }

    #[test]
    fn code_and_regional_data_round_trip() {
        let role = HcRole::from_actors(vec![HcActor {
            coding_scheme: HPKI_ROLE_SCHEME.into(),
            code: Some("0123".into()),
            free_text: Some("Pharmacist".into()),
            regional_data: Some(vec![0x30, 0x00]),
        }]);
        let der = role.to_der().unwrap();
        assert_eq!(HcRole::parse(&der).unwrap(), role);
    }

    #[test]
    fn non_numeric_code_is_refused_when_building() {
        let role = HcRole::from_actors(vec![HcActor {
            coding_scheme: HPKI_ROLE_SCHEME.into(),
            code: Some("12a".into()),
            free_text: None,
            regional_data: None,
        }]);
        assert!(matches!(role.to_der(), Err(Error::HcRole(_))));
    }

    #[test]
    fn other_attribute_types_are_not_an_hcrole() {
        // The real bytes with the attribute type changed to 1.0.17090.0.2.
        let mut der = hex::decode(REAL_MEDICAL_DOCTOR).unwrap();
        der[9] = 0x02;
        assert!(matches!(HcRole::parse(&der), Err(Error::HcRole(_))));
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let der = hex::decode(REAL_MEDICAL_DOCTOR).unwrap();
        for n in 0..der.len() {
            assert!(HcRole::parse(&der[..n]).is_err(), "prefix {n}");
        }
    }
}
