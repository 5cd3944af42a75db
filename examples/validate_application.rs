//! Validates an application file against the guide's rule set and prints
//! `{"valid": …, "errors": [{"field", "code", "message_ja", "message_en"}], "price_yen": …}`.
//! Exits 0 only when the application is valid (1 when invalid, 2 on a usage or read error).
//!
//! ```text
//! cargo run --example validate_application -- crates/authority-forms/examples/sample-application.json
//! cargo run --example validate_application -- --rules jpa-mynaportal FILE.json
//! cargo run --example validate_application -- --rules my-rules.toml FILE.json
//! ```

use std::process::ExitCode;

use authority_forms::{Application, RuleSet, validate};

fn rules(name: Option<&str>) -> Result<RuleSet, String> {
    let loaded = match name {
        None | Some("guide") => RuleSet::guide_2024_06(),
        Some("jpa-mynaportal") => RuleSet::jpa_mynaportal(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            if path.ends_with(".json") {
                RuleSet::from_json(&text)
            } else {
                RuleSet::from_toml(&text)
            }
        }
    };
    loaded.map_err(|e| e.to_string())
}

fn run() -> Result<bool, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (rule_name, file) = match args.as_slice() {
        [file] => (None, file),
        [flag, name, file] if flag == "--rules" => (Some(name.as_str()), file),
        _ => return Err("usage: validate_application [--rules guide|jpa-mynaportal|FILE.toml|FILE.json] APPLICATION.json".into()),
    };
    let rules = rules(rule_name)?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let application: Application =
        serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
    let report = validate(&application, &rules);
    // A struct, not `json!`, so the keys keep this order.
    #[derive(serde::Serialize)]
    struct Output<'a> {
        valid: bool,
        errors: &'a [authority_forms::Problem],
        price_yen: Option<u32>,
    }
    let output = Output {
        valid: report.valid,
        errors: &report.errors,
        price_yen: report.price_yen,
    };
    let pretty = serde_json::to_string_pretty(&output).map_err(|e| e.to_string())?;
    println!("{pretty}");
    Ok(report.valid)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("validate_application: {message}");
            ExitCode::from(2)
        }
    }
}
