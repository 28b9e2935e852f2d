//! Human-readable sizes, ages and numbers: parsing command-line values and
//! formatting output.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytesize::ByteSize;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// Parses a size such as `500M`, `1GiB`, `2.5 KB` or a plain byte count.
///
/// Units follow the `bytesize` crate: `K`, `M`, `G` are powers of 1000,
/// `KiB`, `MiB`, `GiB` powers of 1024.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty size: expected e.g. 500M or 1GiB".to_owned());
    }
    t.parse::<ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|_| format!("invalid size {s:?}: expected e.g. 500M, 1GiB or a byte count"))
}

/// Parses an age such as `7d`, `12h`, `90min` or `1h 30m` (`0` means none).
pub fn parse_age(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("invalid age {s:?}: {e}; expected e.g. 7d, 12h or 30m"))
}

/// A size for people: `512 B`, `1.5 KiB`, `2.0 GiB`.
pub fn size(bytes: u64) -> String {
    ByteSize(bytes).display().iec().to_string()
}

/// The current time in whole seconds since the Unix epoch.
pub fn now_unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// How long ago `then_unix_secs` was, compactly: `45s`, `3m`, `2h`, `5d`.
///
/// Rounds down to the largest unit that fits; a time in the future (clock
/// skew) reads as `0s`.
pub fn age(now_unix_secs: u64, then_unix_secs: u64) -> String {
    compact(now_unix_secs.saturating_sub(then_unix_secs))
}

/// A duration in whole seconds, compactly and rounded down: `45s`, `3m`, `2h`, `5d`.
pub fn compact(secs: u64) -> String {
    if secs < MINUTE {
        format!("{secs}s")
    } else if secs < HOUR {
        format!("{}m", secs / MINUTE)
    } else if secs < 2 * DAY {
        format!("{}h", secs / HOUR)
    } else {
        format!("{}d", secs / DAY)
    }
}

/// A configured duration (a TTL) exactly, in the largest unit dividing it:
/// `30d`, `36h`, `90m`, `45s`; zero reads `none`.
pub fn exact_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return "none".to_owned();
    }
    for (unit, name) in [(DAY, "d"), (HOUR, "h"), (MINUTE, "m")] {
        if secs.is_multiple_of(unit) {
            return format!("{}{name}", secs / unit);
        }
    }
    format!("{secs}s")
}

/// An objective value in at most 12 characters where possible: the shortest
/// exact form when short enough, else rounded to 10 significant digits, else
/// scientific notation; `-` when absent.
pub fn objective(v: Option<f64>) -> String {
    const MAX: usize = 12;
    let Some(x) = v else { return "-".to_owned() };
    let plain = format!("{x}");
    if plain.len() <= MAX {
        return plain;
    }
    // Round-trip through 10 significant digits: 0.30000000000000004 reads 0.3.
    let rounded = format!("{x:.9e}")
        .parse::<f64>()
        .map(|r| format!("{r}"))
        .unwrap_or(plain);
    if rounded.len() <= MAX {
        return rounded;
    }
    let sci = format!("{x:.6e}");
    match sci.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => {
            format!("{}e{exp}", mantissa.trim_end_matches('0').trim_end_matches('.'))
        }
        _ => sci,
    }
}

/// An optional number, `-` when absent.
pub fn opt_u64(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

/// A left/right aligned text table, printed with two spaces between columns.
#[derive(Debug)]
pub struct Table {
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers; a header starting with `>` is
    /// right-aligned (the `>` is not shown).
    pub fn new(headers: &[&str]) -> Table {
        let right = headers.iter().map(|h| h.starts_with('>')).collect();
        let header = headers.iter().map(|h| h.trim_start_matches('>').to_owned()).collect();
        Table {
            right,
            rows: vec![header],
        }
    }

    /// Appends a row; it should have one cell per header.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as lines, without trailing spaces.
    pub fn lines(&self) -> Vec<String> {
        let cols = self.right.len();
        let mut widths = vec![0; cols];
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        self.rows
            .iter()
            .map(|row| {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .zip(&self.right)
                    .map(|((cell, &w), &right)| {
                        if right {
                            format!("{cell:>w$}")
                        } else {
                            format!("{cell:<w$}")
                        }
                    })
                    .collect();
                cells.join("  ").trim_end().to_owned()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("500M"), Ok(500_000_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1234"), Ok(1234));
        assert!(parse_size("").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("-5M").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn ages_parse_with_units() {
        assert_eq!(parse_age("7d"), Ok(Duration::from_secs(7 * DAY)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * HOUR)));
        assert_eq!(parse_age("0"), Ok(Duration::ZERO));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("").is_err());
    }

    #[test]
    fn ages_display_compactly() {
        assert_eq!(age(1000, 1000), "0s");
        assert_eq!(age(1000, 2000), "0s");
        assert_eq!(compact(59), "59s");
        assert_eq!(compact(3 * MINUTE + 5), "3m");
        assert_eq!(compact(2 * HOUR + 59 * MINUTE), "2h");
        assert_eq!(compact(47 * HOUR), "47h");
        assert_eq!(compact(5 * DAY + HOUR), "5d");
    }

    #[test]
    fn durations_display_exactly() {
        assert_eq!(exact_duration(Duration::ZERO), "none");
        assert_eq!(exact_duration(Duration::from_secs(30 * DAY)), "30d");
        assert_eq!(exact_duration(Duration::from_secs(36 * HOUR)), "36h");
        assert_eq!(exact_duration(Duration::from_secs(90 * MINUTE)), "90m");
        assert_eq!(exact_duration(Duration::from_secs(61)), "61s");
    }

    #[test]
    fn sizes_and_objectives_display() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(objective(None), "-");
        assert_eq!(objective(Some(1.25)), "1.25");
        assert_eq!(objective(Some(0.1 + 0.2)), "0.3");
        assert_eq!(objective(Some(1201.25)), "1201.25");
        assert_eq!(objective(Some(-1.0e-7)), "-0.0000001");
        assert_eq!(objective(Some(1.5e20)), "1.5e20");
        assert_eq!(objective(Some(1.234_567_890_123_4)), "1.23456789");
        assert_eq!(objective(Some(-123_456.789_012_345)), "-123456.789");
    }

    #[test]
    fn tables_align() {
        let mut t = Table::new(&["A", ">N", "C"]);
        t.row(vec!["xyz".into(), "5".into(), "".into()]);
        assert_eq!(t.lines(), vec!["A    N  C", "xyz  5"]);
    }
}
