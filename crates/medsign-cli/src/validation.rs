//! What every verifying command takes: trust, the revocation policy and where CRLs
//! come from (`--trust`, `--no-bundled-trust`, `--revocation`, `--crl`, `--offline`,
//! `--crl-cache`, `--crl-mirror`).

use std::path::PathBuf;
use std::sync::Arc;

use hpki_cert::{RevocationPolicy, TrustStore};

use crate::error::{CliError, io_error};
use crate::{i18n::t, tf};

/// The trust and validation-policy options of `rx verify` and `cms verify`.
#[derive(clap::Args, Clone, Debug)]
pub struct ValidationArgs {
    /// Certificates to trust, added to the bundled MHLW HPKI Root CA V2: a file or a
    /// folder of DER/PEM certificates (*.der, *.cer, *.crt, *.pem; repeatable).
    /// Self-signed certificates become trust anchors; every other certificate is an
    /// intermediate that only helps to build paths. CRLs (*.crl) in a folder are used
    /// as revocation data. Nothing a document carries is trusted on its own.
    #[arg(long, value_name = "PATH")]
    pub trust: Vec<PathBuf>,
    /// Do not trust the bundled MHLW HPKI Root CA V2: only the anchors of --trust
    /// (for test PKIs, e.g. the virtual cards' test root written by --trust-out).
    #[arg(long)]
    pub no_bundled_trust: bool,
    /// What counts as revocation status. `required` (default): every certificate of
    /// every path but the anchor needs a usable, fresh CRL, or the result is
    /// INDETERMINATE. `waived`: certificates without a CRL pass, and every report
    /// says which were not checked (never for dispensing decisions).
    #[arg(long, value_enum, default_value_t = RevocationArg::Required)]
    pub revocation: RevocationArg,
    /// A CRL (DER or PEM) to use besides the documents' own (repeatable).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Never fetch CRLs from the certificates' distribution points (CRLs already in
    /// --crl-cache are still used).
    #[arg(long)]
    pub offline: bool,
    /// Keep fetched CRLs in this folder, reused until their nextUpdate.
    #[arg(long, value_name = "DIR")]
    pub crl_cache: Option<PathBuf>,
    /// Fetch CRL distribution points under FROM from TO instead, e.g. an internal
    /// mirror of the CAs' repositories (`FROM=TO`, URL prefixes; repeatable).
    #[arg(long, value_name = "FROM=TO")]
    pub crl_mirror: Vec<String>,
}

/// `--revocation`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationArg {
    /// Revocation status required for every certificate but the anchor.
    Required,
    /// Certificates without a CRL pass; the report names them.
    Waived,
}

impl ValidationArgs {
    /// The trust store: the bundled root (unless `--no-bundled-trust`) and `--trust`.
    pub fn trust_store(&self) -> Result<TrustStore, CliError> {
        let mut store = if self.no_bundled_trust {
            TrustStore::new()
        } else {
            TrustStore::bundled()
        };
        for path in &self.trust {
            store.add_from(path).map_err(|e| {
                CliError::input(tf!(
                    "cannot load certificates from {}: {e}",
                    "{} から証明書を読めません: {e}",
                    path.display()
                ))
            })?;
        }
        if store.anchors().next().is_none() {
            return Err(CliError::input(t(
                "no trust anchor: --no-bundled-trust needs a self-signed certificate in --trust",
                "トラストアンカーがありません: --no-bundled-trust には --trust に自己署名証明書が必要です",
            )));
        }
        Ok(store)
    }

    /// The revocation policy.
    pub fn policy(&self) -> RevocationPolicy {
        match self.revocation {
            RevocationArg::Required => RevocationPolicy::Required,
            RevocationArg::Waived => RevocationPolicy::Waived,
        }
    }

    /// The CRLs of `--crl` and the `*.crl` files of `--trust` folders, as DER.
    pub fn crls(&self) -> Result<Vec<Vec<u8>>, CliError> {
        let mut out = Vec::new();
        let mut files = self.crl.clone();
        for dir in self.trust.iter().filter(|p| p.is_dir()) {
            let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| io_error(dir, &e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("crl")))
                .collect();
            found.sort();
            files.extend(found);
        }
        for path in &files {
            let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
            if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
                let (_, der) = der::pem::decode_vec(&bytes).map_err(|e| {
                    CliError::input(tf!(
                        "{}: not a PEM CRL: {e}",
                        "{}: PEM の CRL ではありません: {e}",
                        path.display()
                    ))
                })?;
                out.push(der);
            } else {
                out.push(bytes);
            }
        }
        Ok(out)
    }

    /// The online CRL source (switched offline by `--offline`).
    pub fn crl_source(&self) -> Result<Option<Arc<dyn hpki_cert::CrlSource>>, CliError> {
        let mut source = hpki_cert::online::HttpCrlSource::builder().offline(self.offline);
        for mirror in &self.crl_mirror {
            let (from, to) = mirror.split_once('=').ok_or_else(|| {
                CliError::usage(t(
                    "--crl-mirror takes FROM=TO",
                    "--crl-mirror は FROM=TO の形です",
                ))
            })?;
            source = source.mirror(from, to);
        }
        if let Some(dir) = &self.crl_cache {
            source = source.cache_dir(dir);
        }
        let source = source.build().map_err(|e| {
            CliError::input(tf!(
                "cannot set up CRL fetching: {e}",
                "CRL の取得を準備できません: {e}"
            ))
        })?;
        Ok(Some(Arc::new(source)))
    }

    /// `verifier` configured with the policy, `--crl` and the CRL source.
    pub fn configure(
        &self,
        verifier: xades_sign::Verifier,
    ) -> Result<xades_sign::Verifier, CliError> {
        let mut verifier = verifier
            .revocation_policy(self.policy())
            .with_crls(self.crls()?);
        if let Some(source) = self.crl_source()? {
            verifier = verifier.with_crl_source(source);
        }
        Ok(verifier)
    }
}
