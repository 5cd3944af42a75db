//! Canonicalization against the real samples' digests and xmlsec1/lxml output.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use base64::Engine as _;
use sha2::Digest as _;
use xades_sign::{C14nMethod, canonicalize};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/eprescription");

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn b64_sha256(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(data))
}

#[test]
fn prescription_document_digest_matches_with_inclusive_c14n_only() {
    let doc = sample("prescription-004_01.xml");
    let inc = canonicalize(&doc, Some("PrescriptionDocument"), &C14nMethod::Inclusive).unwrap();
    assert_eq!(
        b64_sha256(&inc),
        "d2AViR1mbbTGkOUKs3/DNI66RLps3c8tE/UDoled78U="
    );
    let exc = canonicalize(&doc, Some("PrescriptionDocument"), &C14nMethod::exclusive()).unwrap();
    assert_ne!(
        b64_sha256(&exc),
        "d2AViR1mbbTGkOUKs3/DNI66RLps3c8tE/UDoled78U="
    );
}

#[test]
fn key_info_and_signed_properties_digests_match_with_exclusive_c14n() {
    let doc = sample("prescription-004_01.xml");
    let ki = canonicalize(&doc, Some("id6a875f31-KeyInfo"), &C14nMethod::exclusive()).unwrap();
    assert_eq!(
        b64_sha256(&ki),
        "bI4jGyBqLZB28i/cH8njp05705/ji/sUPptLX/M2ycQ="
    );
    let sp = canonicalize(
        &doc,
        Some("idc51bfd03-SignedProperties"),
        &C14nMethod::exclusive(),
    )
    .unwrap();
    assert_eq!(
        b64_sha256(&sp),
        "8XgGgHpPS/3nAQTc6cVSGHI5ObMWjQ8l3oHpyQkF4jQ="
    );
}

#[test]
fn dispensing_digests_match() {
    let doc = sample("dispensing-005_03.xml");
    let d = canonicalize(&doc, Some("Dispensing"), &C14nMethod::Inclusive).unwrap();
    assert_eq!(
        b64_sha256(&d),
        "qjvcVHTSZQBaJROD4D0J54ak69eLmC2UyFpz2I6mxdU="
    );
    let p = canonicalize(&doc, Some("PrescriptionDocument"), &C14nMethod::Inclusive).unwrap();
    assert_eq!(
        b64_sha256(&p),
        "d2AViR1mbbTGkOUKs3/DNI66RLps3c8tE/UDoled78U="
    );
    let sp = canonicalize(
        &doc,
        Some("id111a1e5c-SignedProperties"),
        &C14nMethod::exclusive(),
    )
    .unwrap();
    assert_eq!(
        b64_sha256(&sp),
        "sVET1/3caf+ZOcqJ1TPQiM4BxzdzDTUOrbPT526sndw="
    );
    let ki = canonicalize(&doc, Some("id771d57b8-KeyInfo"), &C14nMethod::exclusive()).unwrap();
    assert_eq!(
        b64_sha256(&ki),
        "9RQdeILUBLDBtA9WJcJX7stcqrfUaMAsTgmn69c0Wgg="
    );
}

fn c14n(input: &str, id: Option<&str>, method: &C14nMethod) -> String {
    String::from_utf8(canonicalize(input.as_bytes(), id, method).unwrap()).unwrap()
}

/// Canonical XML 1.0 §3.1 (without the DOCTYPE, which medsign refuses).
#[test]
fn w3c_3_1_pis_and_comments_outside_the_document_element() {
    let input = "<?xml version=\"1.0\"?>\n\n<?xml-stylesheet   href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\n<doc>Hello, world!<!-- Comment 1 --></doc>\n\n<?pi-without-data     ?>\n\n<!-- Comment 2 -->\n\n<!-- Comment 3 -->\n";
    let expected = "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n<doc>Hello, world!</doc>\n<?pi-without-data?>";
    assert_eq!(c14n(input, None, &C14nMethod::Inclusive), expected);
}

/// Canonical XML 1.0 §3.2.
#[test]
fn w3c_3_2_whitespace_in_content_is_kept() {
    let input = "<doc>\n   <clean>   </clean>\n   <dirty>   A   B   </dirty>\n   <mixed>\n      A\n      <clean>   </clean>\n      B\n      <dirty>   A   B   </dirty>\n      C\n   </mixed>\n</doc>";
    assert_eq!(c14n(input, None, &C14nMethod::Inclusive), input);
}

/// Canonical XML 1.0 §3.3 (the DTD default attribute written out explicitly).
#[test]
fn w3c_3_3_start_and_end_tags() {
    let input = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org" attr="default"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
    let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org" attr="default"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
    assert_eq!(c14n(input, None, &C14nMethod::Inclusive), expected);
}

/// Canonical XML 1.0 §3.4 (the parts that need no DTD).
#[test]
fn w3c_3_4_character_modifications_and_references() {
    let input = "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>";
    let expected = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n</doc>";
    assert_eq!(c14n(input, None, &C14nMethod::Inclusive), expected);
}

const EXC_EXAMPLE: &str = r#"<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org">
  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en" id="x">
    <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2>
</n0:local>"#;

/// Exclusive XML Canonicalization 1.0 §2.2: the subtree keeps only the namespaces it
/// visibly uses, inclusive c14n carries every one in scope.
#[test]
fn w3c_exc_c14n_2_2_subtree_namespaces() {
    assert_eq!(
        c14n(EXC_EXAMPLE, Some("x"), &C14nMethod::exclusive()),
        "<n1:elem2 xmlns:n1=\"http://example.net\" id=\"x\" xml:lang=\"en\">\n    <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n  </n1:elem2>"
    );
    assert_eq!(
        c14n(EXC_EXAMPLE, Some("x"), &C14nMethod::Inclusive),
        "<n1:elem2 xmlns:n0=\"foo:bar\" xmlns:n1=\"http://example.net\" xmlns:n3=\"ftp://example.org\" id=\"x\" xml:lang=\"en\">\n    <n3:stuff></n3:stuff>\n  </n1:elem2>"
    );
}

#[test]
fn inclusive_subset_inherits_xml_attributes_exclusive_does_not() {
    let input = r#"<a xml:lang="ja" xml:space="preserve"><b id="b" xml:lang="en"><c>t</c></b></a>"#;
    assert_eq!(
        c14n(input, Some("b"), &C14nMethod::Inclusive),
        r#"<b id="b" xml:lang="en" xml:space="preserve"><c>t</c></b>"#
    );
    assert_eq!(
        c14n(input, Some("b"), &C14nMethod::exclusive()),
        r#"<b id="b" xml:lang="en"><c>t</c></b>"#
    );
}

#[test]
fn exclusive_default_namespace_is_undeclared_only_when_rendered() {
    let input = r#"<r xmlns="urn:d"><s id="s"><t xmlns=""><u/></t></s></r>"#;
    assert_eq!(
        c14n(input, Some("s"), &C14nMethod::exclusive()),
        r#"<s xmlns="urn:d" id="s"><t xmlns=""><u></u></t></s>"#
    );
    let prefixes = C14nMethod::Exclusive {
        inclusive_prefixes: vec!["p".into()],
    };
    let input = r#"<r xmlns:p="urn:p" xmlns:q="urn:q"><s id="s"/></r>"#;
    assert_eq!(
        c14n(input, Some("s"), &prefixes),
        r#"<s xmlns:p="urn:p" id="s"></s>"#
    );
}
