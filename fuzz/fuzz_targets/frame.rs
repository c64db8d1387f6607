#![no_main]
use libfuzzer_sys::fuzz_target;
use procpool_fuzz::{check_frame, Fuzzing};

fuzz_target!(|data: &[u8]| check_frame::<Fuzzing>(data));
