#![no_main]
use libfuzzer_sys::fuzz_target;
use procpool_fuzz::{check_bus_feed, Fuzzing};

fuzz_target!(|data: &[u8]| check_bus_feed::<Fuzzing>(data));
