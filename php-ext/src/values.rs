//! Zvals the PHP surface returns often: `false` (Swoole's failure value) and binary-safe strings.

use ext_php_rs::types::{ZendStr, Zval};

pub fn false_zval() -> Zval {
    let mut z = Zval::new();
    z.set_bool(false);
    z
}

pub fn bytes_zval(bytes: &[u8]) -> Zval {
    let mut z = Zval::new();
    z.set_zend_string(ZendStr::new(bytes, false));
    z
}
