//! Areas given by boundary polygons in a neighbourhood file: their checks,
//! and neighbours derived from them as mgcv 1.8-41's `pol2nb` derives them
//! (`smooth.r` lines 2779-2835).
//!
//! # Neighbours from polygons
//! Two areas are neighbours when they share at least one vertex; a vertex
//! lying on the other area's edge is not enough (mgcv's warning, kept).
//! mgcv compares vertices with `uniquecombs`, which pastes each row's
//! coordinates into text with `as.character`: two vertices are the same
//! point when both coordinates print alike at 15 significant digits (R's
//! `as.character` of a double, [`as_character`]), so `0.1 + 0.2` meets
//! `0.3`, `-0` meets `0`, and `1e15 + 1` meets `1e15`. The same rule is used
//! here, through a hash of every vertex's text: linear in the number of
//! vertices (mgcv compares pairs of areas whose bounding boxes overlap; the
//! pairs found are the same).

use std::collections::{BTreeSet, HashMap};

use crate::basis::mrf::Rings;

/// R's `as.character(x)` of a finite double (R's `formatReal` of `x` alone
/// at 15 digits, `src/main/format.c`): the fewest significant digits, at
/// most 15, that show `x` rounded to 15; fixed notation unless scientific
/// is narrower (`"0.3"`, `"1e+05"`, `"123456789012345680"`); no `-0`.
/// (The same rule as `report::rformat::format`, which ranks above design.)
fn as_character(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { "0".into() } else { format!("{x}") };
    }
    let s = format!("{:.14e}", x.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let kpower: i32 = exp.parse().unwrap_or(0);
    let nsig = mant.replace('.', "").trim_end_matches('0').len().max(1) as i32;
    // Rounding to 15 digits reached the next power of ten (9.9999...e4 -> 1e5):
    // fixed notation then needs one digit fewer on the left.
    let fuzz = 0.5 / 10f64.powi((15 - kpower).clamp(0, 27));
    let widens = kpower > 0 && kpower <= 27 && x.abs() < 10f64.powi(kpower) - fuzz;
    let neg = i32::from(x < 0.0);
    let left = kpower + 1 - i32::from(widens);
    let rgt = (nsig - left).max(0);
    let width_fixed = neg + left.max(1) + rgt + i32::from(rgt != 0);
    let exp_digits = if left > 100 || left <= -99 { 2 } else { 1 };
    let width_sci = neg + i32::from(nsig > 1) + (nsig - 1) + 4 + exp_digits;
    if width_fixed <= width_sci {
        format!("{x:.*}", rgt as usize)
    } else {
        let e = format!("{x:.*e}", (nsig - 1) as usize);
        let (m, k) = e.split_once('e').unwrap_or((&e, "0"));
        let k: i32 = k.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if k < 0 { '-' } else { '+' }, k.abs())
    }
}

/// mgcv's `pol2nb`: for each area (index into `polygons`), the areas that
/// share a vertex with it, in increasing order; never the area itself.
pub(crate) fn shared_vertex_neighbours(polygons: &[Rings]) -> Vec<Vec<usize>> {
    // Vertex text -> the areas having it, each once (areas are visited in order).
    let mut at: HashMap<String, Vec<usize>> = HashMap::new();
    for (a, rings) in polygons.iter().enumerate() {
        for p in rings.iter().flatten() {
            let key = format!("{}*{}", as_character(p[0]), as_character(p[1]));
            let areas = at.entry(key).or_default();
            if areas.last() != Some(&a) {
                areas.push(a);
            }
        }
    }
    let mut nb = vec![BTreeSet::new(); polygons.len()];
    for areas in at.values().filter(|v| v.len() > 1) {
        for &a in areas {
            nb[a].extend(areas.iter().copied().filter(|&b| b != a));
        }
    }
    nb.into_iter().map(|s| s.into_iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64) -> Rings {
        vec![vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.0], [x, y + 1.0]]]
    }

    #[test]
    fn as_character_is_r_s() {
        // R 4.2.2: sprintf("%.17g", x) and as.character(x) of each.
        let cases = [
            ("0.29999999999999999", "0.3"),
            ("0.30000000000000004", "0.3"),
            ("0.33333333333333331", "0.333333333333333"),
            ("1.2345678901234568e+17", "123456789012345680"),
            ("1000000000000000", "1e+15"),
            ("1000000000000001", "1e+15"),
            ("100000", "1e+05"),
            ("100000.5", "100000.5"),
            ("1234567.1000000001", "1234567.1"),
            ("-0.5", "-0.5"),
            ("1.0000000000000001e-05", "1e-05"),
            ("0.0001", "1e-04"),
            ("0.0012340000000000001", "0.001234"),
            ("99999.999999999985", "1e+05"),
            ("6.6666666666666668e-301", "6.66666666666667e-301"),
            ("-0", "0"),
            ("1.0327612446853891", "1.03276124468539"),
            ("123456.12345678912", "123456.123456789"),
        ];
        for (text, want) in cases {
            let x: f64 = text.parse().unwrap();
            assert_eq!(as_character(x), want, "{x:e}");
        }
    }

    #[test]
    fn areas_sharing_a_vertex_are_neighbours() {
        // A 2 x 2 block of squares (queen neighbours: all four touch at (1, 1)),
        // a square touching the block only along an edge without a shared
        // vertex, and a far one touching at a vertex that differs in the 17th digit.
        let mut polys = vec![square(0.0, 0.0), square(1.0, 0.0), square(0.0, 1.0), square(1.0, 1.0)];
        polys.push(vec![vec![[2.0, 0.5], [3.0, 0.5], [3.0, 1.5], [2.0, 1.5]]]);
        polys.push(vec![vec![[5.0, 0.0], [6.0, 0.1 + 0.2], [5.0, 1.0]]]);
        polys.push(vec![vec![[6.0, 0.3], [7.0, 0.0], [7.0, 1.0]]]);
        let nb = shared_vertex_neighbours(&polys);
        assert_eq!(nb[0], vec![1, 2, 3]);
        assert_eq!(nb[3], vec![0, 1, 2]);
        assert!(nb[4].is_empty());
        assert_eq!((nb[5].clone(), nb[6].clone()), (vec![6], vec![5]));
    }

    #[test]
    fn rings_are_checked() {
        use crate::basis::mrf::check_rings;
        assert!(check_rings(&square(0.0, 0.0)).is_ok());
        assert!(check_rings(&vec![]).unwrap_err().contains("no polygon"));
        let e = check_rings(&vec![vec![[0.0, 0.0], [1.0, 1.0]]]).unwrap_err();
        assert!(e.contains("ring 1 has 2 vertices"), "{e}");
        let mut bad = square(0.0, 0.0);
        bad[0][2][1] = f64::INFINITY;
        assert!(check_rings(&bad).unwrap_err().contains("ring 1, vertex 3"));
    }
}
