#![no_main]
use libfuzzer_sys::fuzz_target;
use procpool_fuzz::{check_bus_roundtrip, Fuzzing};

fuzz_target!(|data: &[u8]| check_bus_roundtrip::<Fuzzing>(data));
