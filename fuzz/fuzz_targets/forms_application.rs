//! An application parsed from arbitrary JSON and validated: never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(rules) = authority_forms::RuleSet::guide_2024_06() else {
        return;
    };
    if let Ok(application) = serde_json::from_slice::<authority_forms::Application>(data) {
        let report = authority_forms::validate(&application, &rules);
        assert_eq!(report.valid, report.errors.is_empty());
    }
});
