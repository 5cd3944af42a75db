//! Any bytes as a TSA's HTTP answer body: the time-stamp client must refuse them
//! cleanly (no panic), whatever the status, token or TSTInfo inside.
#![no_main]

struct Canned(Vec<u8>);

impl cms_sign::TimeStampSource for Canned {
    fn time_stamp(&mut self, _: &[u8]) -> Result<Vec<u8>, cms_sign::TimeStampError> {
        Ok(self.0.clone())
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut tsa = Canned(data.to_vec());
    let _ = cms_sign::request_time_stamp(&mut tsa, b"x", &cms_sign::TimeStampOptions::new());
});
