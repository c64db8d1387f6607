//! Limits every setting shares. A leaf: everything may import it.

use std::time::Duration;

/// The longest duration any setting accepts: one year. Longer values are refused rather than
/// left to overflow a deadline computed from them.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);
