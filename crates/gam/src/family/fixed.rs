//! mgcv's `theta =` argument of an extended family (efam.r: `nb`, `tw`, `betar`, `cnorm`,
//! `scat`, `ziP`, `ocat`): the family parameters fixed at given values, or where their
//! estimation starts.
//!
//! mgcv's convention, family by family (efam.r 1.8-41):
//!
//! - `nb(theta)`, `betar(theta)`, `cnorm(theta)`: θ > 0 is fixed (mgcv sets `n.theta <- 0`),
//!   θ < 0 starts the estimation at |θ|; θ is nb's θ, betar's φ, cnorm's σ (not their logs).
//! - `tw(theta)`: the power p, fixed if positive, a start at |p| if negative; |p| must lie in
//!   (1.01, 1.99), tw's `(a, b)`.
//! - `scat(theta = c(ν, σ))`: both positive fixed, any negative both starts at |θ|. When ν ≤
//!   `min.df`, mgcv lowers `min.df` to 0.9 ν (with a warning); an explicit `min.df` at or above ν
//!   is refused here instead.
//! - `ziP(theta = c(θ₁, θ₂))`: always fixed (mgcv has no starting values for ziP), in mgcv's
//!   working scale (its `p = b + exp(θ₂)`).
//! - `ocat(theta = c(...))`: the R − 2 increments between successive cut points after the
//!   first (−1); all positive fixed, any negative starts at |θ|; R is the number of values + 2.
//!
//! A fixed parameter is not estimated: the outer iteration runs over the log smoothing
//! parameters only ([`crate::fit::generalized::outer`]); mgcv's `getTheta()` then holds the
//! given values and its summary names them as it names estimated ones (`Scaled t(3,1.2)`).
//!
//! mgcv's data-based starting values of scat and ocat (their `preinitialize`, which gam()
//! calls whenever `n.theta > 0`) replace a supplied start, so for these two families a start
//! changes nothing, in mgcv as here. A value of 0 means "the default" to mgcv; it is refused
//! here, as ambiguous.

use serde::{Deserialize, Serialize};

use super::Family;

/// mgcv's `theta =` of an extended family: the values as given (their absolute values for a
/// start), in the scale of the family's argument (nb's θ, betar's φ, cnorm's σ, tw's p, scat's
/// ν and σ, ziP's θ₁ and θ₂, ocat's cut point increments), and whether they are fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyTheta {
    /// The values (positive except ziP's), in the argument's scale.
    pub values: Vec<f64>,
    /// Fixed (mgcv's `n.theta = 0`) rather than where the estimation starts.
    pub fixed: bool,
}

impl FamilyTheta {
    /// The values as the family's functions take them (the optimiser's θ, [`Family::theta_of_t`]):
    /// scat's (log(ν − min.df), log σ), ocat's log increments, the others as given.
    pub fn internal(&self, family: Family) -> Vec<f64> {
        match family {
            Family::Scat(min_df) => vec![(self.values[0] - min_df.get()).ln(), self.values[1].ln()],
            Family::Ocat(_) => self.values.iter().map(|v| v.ln()).collect(),
            _ => self.values.clone(),
        }
    }

    /// Whether a start moves where mgcv's estimation starts: not for scat and ocat, whose
    /// data-based start (mgcv's `preinitialize`) replaces it (module doc).
    pub fn start_counts(&self, family: Family) -> bool {
        !self.fixed && !matches!(family, Family::Scat(_) | Family::Ocat(_))
    }
}

/// The numbers of a `theta = ...` value as R reads them: one number or `c(a, b, ...)`.
pub(super) fn numbers(text: &str) -> Option<Vec<f64>> {
    let text = text.trim();
    let inner = text
        .strip_prefix("c(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text);
    let values: Option<Vec<f64>> = inner
        .split(',')
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    values.filter(|v| !v.is_empty())
}

/// The setting of `function(theta = text)` for the family `family` (its other arguments already
/// read): the values checked as mgcv checks them, as a one-line message naming the argument
/// and what to write when refused. `min_df_given`: scat's `min.df` was given explicitly.
pub(super) fn setting(
    function: &str,
    family: &mut Family,
    text: &str,
    min_df_given: bool,
) -> Result<FamilyTheta, String> {
    let values = numbers(text).ok_or_else(|| {
        format!(
            "theta must be a number or c(...) of numbers, e.g. {}",
            example(function)
        )
    })?;
    let want = match *family {
        Family::Scat(_) | Family::ZiP(_) => 2,
        Family::Ocat(r) => (r as usize).saturating_sub(2),
        _ => 1,
    };
    if values.len() != want {
        return Err(format!(
            "theta needs {want} value{} here, not {}: e.g. {}",
            if want == 1 { "" } else { "s" },
            values.len(),
            example(function)
        ));
    }
    if matches!(family, Family::ZiP(_)) {
        return Ok(FamilyTheta { values, fixed: true });
    }
    if values.contains(&0.0) {
        return Err(format!(
            "theta = 0 is mgcv's 'estimate from its default start': leave theta out for that, give positive \
             values to fix the parameters or negative ones to start their estimation there, e.g. {}",
            example(function)
        ));
    }
    let fixed = values.iter().all(|&v| v > 0.0);
    let values: Vec<f64> = values.iter().map(|v| v.abs()).collect();
    match family {
        Family::Tweedie if !(values[0] > TW_A && values[0] < TW_B) => {
            return Err(format!(
                "the power p = {} must lie in ({TW_A}, {TW_B}) (mgcv's tw a and b), e.g. tw(theta = 1.5)",
                values[0]
            ));
        }
        Family::Scat(min_df) if values[0] <= min_df.get() => {
            if min_df_given {
                return Err(format!(
                    "nu = {} is not above min.df = {}: give min.df below nu, e.g. scat(theta = c({}, {}), min.df = {})",
                    values[0],
                    min_df.get(),
                    values[0],
                    values[1],
                    super::param::r_number(0.9 * values[0])
                ));
            }
            // mgcv: "Supplied df below min.df. min.df reset" to 0.9 |ν|.
            *family = Family::Scat(super::Param(MIN_DF_RESET * values[0]));
        }
        _ => {}
    }
    Ok(FamilyTheta { values, fixed })
}

/// tw's default bounds `a` and `b` of the power (mgcv's `tw(a = 1.01, b = 1.99)`).
const TW_A: f64 = super::tweedie::P_MIN;
const TW_B: f64 = super::tweedie::P_MAX;

impl Family {
    /// What is wrong with a `theta =` setting for this family, if anything (a setting built
    /// in code rather than parsed): the number of values and their range, as the parser checks
    /// them.
    pub fn theta_setting_problem(self, given: &FamilyTheta) -> Option<String> {
        let k = self.n_theta();
        if k == 0 {
            return Some(format!("the {} family has no parameters to fix or start", self.name()));
        }
        if given.values.len() != k {
            return Some(format!("theta needs {k} values here, not {}", given.values.len()));
        }
        if given.values.iter().any(|v| !v.is_finite()) {
            return Some("theta must be finite numbers".into());
        }
        if matches!(self, Family::ZiP(_)) {
            return None;
        }
        if given.values.iter().any(|&v| v <= 0.0) {
            return Some("theta's values must be positive here (their absolute values for a start)".into());
        }
        match self {
            Family::Tweedie if !(given.values[0] > TW_A && given.values[0] < TW_B) => {
                Some(format!("the power p must lie in ({TW_A}, {TW_B})"))
            }
            Family::Scat(min_df) if given.values[0] <= min_df.get() => Some(format!(
                "nu = {} is not above min.df = {}",
                given.values[0],
                min_df.get()
            )),
            _ => None,
        }
    }
}

/// mgcv's scat: a supplied ν at or below `min.df` lowers `min.df` to this fraction of ν.
const MIN_DF_RESET: f64 = 0.9;

/// An example of `function`'s theta, for messages.
fn example(function: &str) -> String {
    match function {
        "scat" => "scat(theta = c(5, 1.2)) (fixed nu and sigma) or scat(theta = c(-5, -1.2)) (a start)".into(),
        "ziP" => "ziP(theta = c(-0.3, 0.2))".into(),
        "ocat" => "ocat(theta = c(1.4, 1.8)) (fixed cut point increments, R = 4) or ocat(theta = c(-1.4, -1.8))".into(),
        "tw" => "tw(theta = 1.5) (fixed p) or tw(theta = -1.5) (a start)".into(),
        "cnorm" => "cnorm(theta = 1.2) (fixed sigma) or cnorm(theta = -1.2) (a start)".into(),
        f => format!("{f}(theta = 3) (fixed) or {f}(theta = -3) (a start)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::{Param, scat};

    #[test]
    fn values_parse_as_r_reads_them() {
        assert_eq!(numbers("3"), Some(vec![3.0]));
        assert_eq!(numbers(" c(3, -1.2) "), Some(vec![3.0, -1.2]));
        assert_eq!(numbers("c()"), None);
        assert_eq!(numbers("abc"), None);
    }

    #[test]
    fn scat_lowers_min_df_as_mgcv_unless_given() {
        let mut f = Family::Scat(Param(scat::DEFAULT_MIN_DF));
        let s = setting("scat", &mut f, "c(3, 1.2)", false).unwrap();
        assert!(s.fixed);
        assert_eq!(f, Family::Scat(Param(0.9 * 3.0)));
        let mut f = Family::Scat(Param(3.0));
        assert!(
            setting("scat", &mut f, "c(3, 1.2)", true)
                .unwrap_err()
                .contains("min.df")
        );
        let mut f = Family::Scat(Param(scat::DEFAULT_MIN_DF));
        let s = setting("scat", &mut f, "c(-5, 1.2)", false).unwrap();
        assert!(!s.fixed && s.values == vec![5.0, 1.2]);
    }
}
