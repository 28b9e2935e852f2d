//! Family and link from their names, as a front end receives them (a
//! command-line option, a keyword argument): a name this build does not fit
//! is an error listing what it does fit.

use super::fixed::{self, FamilyTheta};
use super::{ALL_FAMILIES, Family, Link, Param, betar, scat};
use crate::error::{GamError, Result};

/// `f(arg)` as (`f`, `arg`), for a family given as a call.
fn call(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    let open = text.find('(')?;
    let arg = text[open + 1..].strip_suffix(')')?;
    Some((text[..open].trim(), arg))
}

/// The names of `items`, comma-separated.
fn names<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> String {
    items.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ")
}

/// A family given by name or as a call: the family, mgcv's `theta =` of an extended family if
/// given ([`FamilyTheta`]) and the link named in the call, if any.
struct Parsed {
    family: Family,
    theta: Option<FamilyTheta>,
    link: Option<String>,
}

impl Parsed {
    fn plain(family: Family) -> Parsed {
        Parsed {
            family,
            theta: None,
            link: None,
        }
    }
}

/// `arg` split at its top-level commas (not those inside `c(...)`).
fn split_args(arg: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut from) = (0i32, 0);
    for (i, c) in arg.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(arg[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(arg[from..].trim());
    out.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Whether `text` is a number or `c(...)`: mgcv's first positional argument, `theta`.
fn is_numeric(text: &str) -> bool {
    fixed::numbers(text).is_some()
}

impl Family {
    /// The family named `name` (R's spelling, see [`Family::from_name`]); a family given with
    /// `theta = ...` is refused here ([`family_link_theta`] reads it).
    ///
    /// # Errors
    /// [`GamError::UnknownFamily`] listing the families this build fits.
    pub fn parse(name: &str) -> Result<Family> {
        let parsed = parse_full(name)?;
        if parsed.theta.is_some() {
            return Err(GamError::Control {
                option: name.to_string(),
                message: "theta = ... is read by family_link_theta, which returns it beside the family".into(),
            });
        }
        Ok(parsed.family)
    }
}

/// The family named or called `name`, with its theta setting and the link named in the call.
fn parse_full(name: &str) -> Result<Parsed> {
    if let Some((function, arg)) = call(name) {
        return parse_call(function, arg);
    }
    match name.trim() {
        "betar" => return Ok(Parsed::plain(Family::Betar(Param(betar::DEFAULT_EPS)))),
        "scat" => return Ok(Parsed::plain(Family::Scat(Param(scat::DEFAULT_MIN_DF)))),
        "ziP" => return Ok(Parsed::plain(Family::ZiP(Param(0.0)))),
        "cnorm" => return Ok(Parsed::plain(Family::Cnorm)),
        "ocat" => {
            return Err(GamError::Control {
                option: "ocat".into(),
                message: "give the number of classes, e.g. ocat(R = 4), or the cut point increments, e.g. ocat(theta = c(1.4, 1.8))"
                    .into(),
            });
        }
        _ => {}
    }
    Family::from_name(name)
        .filter(|f| ALL_FAMILIES.contains(f))
        .map(Parsed::plain)
        .ok_or_else(|| GamError::UnknownFamily {
            name: name.to_string(),
            known: known_families(),
        })
}

/// mgcv's `negbin(θ)` and `Tweedie(p)`, and the extended families' calls, with the argument's
/// text `arg`.
fn parse_call(function: &str, arg: &str) -> Result<Parsed> {
    let bad = |message: String| GamError::Control {
        option: format!("{function}({arg})"),
        message,
    };
    let value = arg.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    match function {
        "negbin" => {
            if arg.trim_start().starts_with("c(") {
                return Err(bad(
                    "a vector of theta values (mgcv's search over them) is not supported: give one fixed theta, or use --family nb to estimate it"
                        .into(),
                ));
            }
            match value {
                Some(t) if t > 0.0 => Ok(Parsed::plain(Family::NegBinFixed(Param(t)))),
                _ => Err(bad("theta must be a positive number, e.g. negbin(3)".into())),
            }
        }
        "Tweedie" => match value {
            Some(p) if p > 1.0 && p < 2.0 => Ok(Parsed::plain(Family::TweedieFixed(Param(p)))),
            Some(2.0) => Err(bad(
                "p = 2 is not supported here: the Gamma family (--family Gamma) has the same variance".into(),
            )),
            _ => Err(bad(
                "p must lie in 1 < p < 2 (mgcv: only 1 < p <= 2), e.g. Tweedie(1.25)".into(),
            )),
        },
        "betar" | "scat" | "ziP" | "nb" | "tw" => extended_args(function, arg),
        "cnorm" => cnorm_args(arg),
        "ocat" => ocat_args(arg),
        _ => Err(GamError::UnknownFamily {
            name: format!("{function}({arg})"),
            known: known_families(),
        }),
    }
}

impl Family {
    /// `Ok` if the family takes `link`; else [`GamError::LinkMismatch`]
    /// listing the links it takes.
    pub fn check_link(self, link: Link) -> Result<()> {
        if self.takes(link) {
            return Ok(());
        }
        Err(GamError::LinkMismatch {
            family: self.name().to_string(),
            link: link.label(),
            links: self.link_names(),
        })
    }

    /// The link named `name` if the family accepts it.
    ///
    /// # Errors
    /// [`GamError::UnsupportedLink`] listing the family's links.
    pub fn parse_link(self, name: &str) -> Result<Link> {
        Link::from_name(name)
            .filter(|&l| self.takes(l))
            .ok_or_else(|| GamError::UnsupportedLink {
                name: name.to_string(),
                family: self.name().to_string(),
                links: self.link_names().join(", "),
            })
    }

    /// The names of the links the family takes, for messages.
    fn link_names(self) -> Vec<String> {
        let mut out: Vec<String> = self.links().iter().map(|l| l.name().to_string()).collect();
        if matches!(self, Family::TweedieFixed(_)) {
            out.push("power(q)".into());
        }
        out
    }
}

/// The families this build fits, for messages.
fn known_families() -> String {
    format!(
        "{}, negbin(theta), Tweedie(p), betar, scat, ziP, cnorm, ocat(R = <classes>)",
        names(ALL_FAMILIES, Family::name)
    )
}

/// The numeric argument an extended family takes besides `link` and `theta`: its name, mgcv's
/// default, the values allowed (as text for the message) and an example.
struct NumericArg {
    key: &'static str,
    default: f64,
    ok: fn(f64) -> bool,
    rule: &'static str,
}

/// The numeric argument of mgcv's `betar(eps = ...)`, `scat(min.df = ...)` and `ziP(b = ...)`.
fn numeric_arg(function: &str) -> Option<NumericArg> {
    match function {
        "betar" => Some(NumericArg {
            key: "eps",
            default: betar::DEFAULT_EPS,
            ok: |v| (0.0..0.5).contains(&v),
            rule: "a number in [0, 0.5), e.g. betar(eps = 1e-10)",
        }),
        "scat" => Some(NumericArg {
            key: "min.df",
            default: scat::DEFAULT_MIN_DF,
            ok: |v| v > 0.0,
            rule: "a positive number, e.g. scat(min.df = 5)",
        }),
        "ziP" => Some(NumericArg {
            key: "b",
            default: 0.0,
            ok: |v| v >= 0.0,
            rule: "a number >= 0, e.g. ziP(b = 0.3)",
        }),
        _ => None,
    }
}

/// A link's name as given in a call (`link = "logit"`), if `text` is one.
fn link_name(text: &str) -> Option<String> {
    let text = text.trim_matches(|c| c == '"' || c == '\'');
    (!text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')).then(|| text.to_string())
}

/// The arguments of an extended family given as a call (`betar(link = "logit", eps = ...)`,
/// `scat(theta = c(3, 1.2), min.df = 3)`, `nb(theta = 3)`): its numeric argument (mgcv's
/// default when not given), `theta` (fixed or a start, [`fixed`]) and the link's name if given
/// there. A number or `c(...)` given first without a name is mgcv's first argument, `theta`.
fn extended_args(function: &str, arg: &str) -> Result<Parsed> {
    let bad = |message: String| GamError::Control {
        option: format!("{function}({arg})"),
        message,
    };
    let spec = numeric_arg(function);
    let mut value = spec.as_ref().map(|s| s.default);
    let mut value_given = false;
    let mut link = None;
    let mut theta_text = None;
    for (i, part) in split_args(arg).into_iter().enumerate() {
        let (key, v) = part.split_once('=').map_or(("", part), |(k, v)| (k.trim(), v.trim()));
        match (key, &spec) {
            (k, Some(spec)) if k == spec.key => match v.parse::<f64>() {
                Ok(x) if x.is_finite() && (spec.ok)(x) => {
                    value = Some(x);
                    value_given = true;
                }
                _ => return Err(bad(format!("{} must be {}", spec.key, spec.rule))),
            },
            ("theta", _) => theta_text = Some(v),
            ("", _) if i == 0 && is_numeric(v) => theta_text = Some(v),
            ("link" | "", _) if link_name(v).is_some() => link = link_name(v),
            _ => {
                let others = spec.as_ref().map_or(String::new(), |s| format!(", {} =", s.key));
                return Err(bad(format!(
                    "unknown argument '{part}': {function} takes theta =, link ={others}"
                )));
            }
        }
    }
    let v = value.unwrap_or(0.0);
    let mut family = match function {
        "betar" => Family::Betar(Param(v)),
        "scat" => Family::Scat(Param(v)),
        "ziP" => Family::ZiP(Param(v)),
        "nb" => Family::NegativeBinomial,
        _ => Family::Tweedie,
    };
    let theta = match theta_text {
        Some(t) => Some(fixed::setting(function, &mut family, t, value_given).map_err(bad)?),
        None => None,
    };
    Ok(Parsed { family, theta, link })
}

/// The arguments of mgcv's `cnorm(theta = ..., link = "log")`: σ fixed or a start, and the link.
fn cnorm_args(arg: &str) -> Result<Parsed> {
    let bad = |message: String| GamError::Control {
        option: format!("cnorm({arg})"),
        message,
    };
    let mut link = None;
    let mut theta = None;
    let mut family = Family::Cnorm;
    for (i, part) in split_args(arg).into_iter().enumerate() {
        let (key, value) = part.split_once('=').map_or(("", part), |(k, v)| (k.trim(), v.trim()));
        match key {
            "theta" => theta = Some(fixed::setting("cnorm", &mut family, value, false).map_err(bad)?),
            "" if i == 0 && is_numeric(value) => {
                theta = Some(fixed::setting("cnorm", &mut family, value, false).map_err(bad)?);
            }
            "link" | "" if link_name(value).is_some() => link = link_name(value),
            _ => {
                return Err(bad(format!(
                    "unknown argument '{part}': cnorm takes theta = and link ="
                )));
            }
        }
    }
    Ok(Parsed { family, theta, link })
}

/// The largest number of classes `ocat(R = ...)` takes (far beyond what a fit can estimate;
/// it keeps R a small integer in messages and files).
pub const MAX_OCAT_CLASSES: u32 = 1000;

/// The arguments of mgcv's `ocat(theta = ..., link = "identity", R = ...)`: R (an integer
/// from 2 to [`MAX_OCAT_CLASSES`], or the number of theta values + 2), the cut point
/// increments fixed or a start, and the link's name if given there.
fn ocat_args(arg: &str) -> Result<Parsed> {
    let bad = |message: String| GamError::Control {
        option: format!("ocat({arg})"),
        message,
    };
    let mut classes = None;
    let mut link = None;
    let mut theta_text = None;
    for part in split_args(arg) {
        let (key, value) = part.split_once('=').map_or(("", part), |(k, v)| (k.trim(), v.trim()));
        let text = value.trim_matches(|c| c == '"' || c == '\'');
        match key {
            "R" => match text.parse::<u32>() {
                Ok(r) if (2..=MAX_OCAT_CLASSES).contains(&r) => classes = Some(r),
                _ => {
                    return Err(bad(format!(
                        "R must be a whole number of classes from 2 to {MAX_OCAT_CLASSES}, e.g. ocat(R = 4)"
                    )));
                }
            },
            "link" if link_name(value).is_some() => link = link_name(value),
            "theta" => theta_text = Some(value),
            // mgcv's first argument is theta, but `ocat(4)` reads as four classes: refused.
            "" if is_numeric(value) => {
                return Err(bad(format!(
                    "give the number of classes by name, e.g. ocat(R = 4), or the cut point increments as \
                     theta = c(...): '{part}' would be mgcv's theta"
                )));
            }
            _ => {
                return Err(bad(format!(
                    "unknown argument '{part}': ocat takes theta =, link = and R ="
                )));
            }
        }
    }
    let Some(text) = theta_text else {
        return match classes {
            Some(r) => Ok(Parsed {
                family: Family::Ocat(r),
                theta: None,
                link,
            }),
            None => Err(bad("give the number of classes, e.g. ocat(R = 4)".into())),
        };
    };
    // mgcv: R is the number of theta values + 2 (an R given beside them is overridden; here it
    // must agree).
    let n = fixed::numbers(text).map_or(0, |v| v.len());
    let r = u32::try_from(n + 2).unwrap_or(u32::MAX);
    if n == 0 || r > MAX_OCAT_CLASSES {
        return Err(bad(format!(
            "theta must be the R - 2 cut point increments, 1 to {} numbers, e.g. ocat(theta = c(1.4, 1.8))",
            MAX_OCAT_CLASSES - 2
        )));
    }
    if let Some(given) = classes
        && given != r
    {
        return Err(bad(format!(
            "R = {given} but theta has {n} values, which give R = {r}: give R - 2 values or leave R out"
        )));
    }
    let mut family = Family::Ocat(r);
    let theta = Some(fixed::setting("ocat", &mut family, text, false).map_err(bad)?);
    Ok(Parsed { family, theta, link })
}

/// The family named `family` and the link named `link`, or the family's
/// default link when none is named (for `betar(link = "probit")`, also the link given there).
/// A family given with `theta = ...` is refused ([`family_link_theta`] reads it).
///
/// # Errors
/// The error of the first name refused.
pub fn family_and_link(family: &str, link: Option<&str>) -> Result<(Family, Link)> {
    let (fam, link, theta) = family_link_theta(family, link)?;
    if theta.is_some() {
        return Err(GamError::Control {
            option: family.to_string(),
            message: "theta = ... is read by family_link_theta, which returns it beside the family".into(),
        });
    }
    Ok((fam, link))
}

/// The family named `family`, the link (named in `link`, in the call, or the family's
/// default) and mgcv's `theta =` of an extended family if given: fixed parameters or where
/// their estimation starts ([`FamilyTheta`]).
///
/// # Errors
/// The error of the first name or value refused, one line naming the argument.
pub fn family_link_theta(family: &str, link: Option<&str>) -> Result<(Family, Link, Option<FamilyTheta>)> {
    let parsed = parse_full(family)?;
    let fam = parsed.family;
    if let (Some(a), Some(b)) = (parsed.link.as_deref(), link)
        && a != b
    {
        return Err(GamError::Control {
            option: family.to_string(),
            message: format!("the link is given twice, as {a} and as {b}: give it once"),
        });
    }
    let link = match link.or(parsed.link.as_deref()) {
        None => fam.default_link(),
        Some(l) => fam.parse_link(l)?,
    };
    Ok((fam, link, parsed.theta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_families_and_links() {
        assert_eq!(
            family_and_link("gaussian", None).ok(),
            Some((Family::Gaussian, Link::Identity))
        );
        assert_eq!(
            family_and_link("binomial", Some("probit")).ok(),
            Some((Family::Binomial, Link::Probit))
        );
        assert_eq!(
            family_and_link("gamma", None).ok(),
            Some((Family::Gamma, Link::Inverse))
        );
        assert_eq!(Family::parse("nb").ok(), Some(Family::NegativeBinomial));
    }

    #[test]
    fn families_with_a_fixed_parameter_parse_from_r_calls() {
        assert_eq!(Family::parse("negbin(3)").ok(), Some(Family::NegBinFixed(Param(3.0))));
        assert_eq!(
            Family::parse("Tweedie(1.25)").ok(),
            Some(Family::TweedieFixed(Param(1.25)))
        );
        assert_eq!(Family::parse("quasipoisson").ok(), Some(Family::QuasiPoisson));
        assert_eq!(Family::NegBinFixed(Param(3.0)).label(), "Negative Binomial(3)");
        assert_eq!(
            Family::NegBinFixed(Param(2.0 / 3.0)).label(),
            "Negative Binomial(0.667)"
        );
        assert_eq!(Family::TweedieFixed(Param(1.25)).label(), "Tweedie(1.25)");
        assert_eq!(
            family_and_link("Tweedie(1.25)", Some("power(.1)")).ok(),
            Some((Family::TweedieFixed(Param(1.25)), Link::Power(Param(0.1))))
        );
        assert_eq!(
            family_and_link("Tweedie(1.25)", Some("power(0)")).ok(),
            Some((Family::TweedieFixed(Param(1.25)), Link::Log))
        );
        let refused = |text: &str| Family::parse(text).unwrap_err().to_string();
        assert_eq!(
            refused("negbin(c(2, 3))"),
            "negbin(c(2, 3)): a vector of theta values (mgcv's search over them) is not supported: give one \
             fixed theta, or use --family nb to estimate it"
        );
        assert_eq!(
            refused("negbin(-1)"),
            "negbin(-1): theta must be a positive number, e.g. negbin(3)"
        );
        assert_eq!(
            refused("Tweedie(2.5)"),
            "Tweedie(2.5): p must lie in 1 < p < 2 (mgcv: only 1 < p <= 2), e.g. Tweedie(1.25)"
        );
        assert!(refused("Tweedie(2)").contains("Gamma"));
        assert!(refused("weibull(2)").starts_with("unsupported family 'weibull(2)'"));
        // Only mgcv's Tweedie() takes power links.
        assert!(family_and_link("poisson", Some("power(.5)")).is_err());
        assert!(family_and_link("quasipoisson", Some("logit")).is_err());
    }

    #[test]
    fn betar_parses_with_its_link_and_eps() {
        let eps = Param(betar::DEFAULT_EPS);
        assert_eq!(
            family_and_link("betar", None).ok(),
            Some((Family::Betar(eps), Link::Logit))
        );
        assert_eq!(
            family_and_link("betar(link=\"probit\")", None).ok(),
            Some((Family::Betar(eps), Link::Probit))
        );
        assert_eq!(
            family_and_link("betar(link = 'cloglog', eps = 1e-10)", None).ok(),
            Some((Family::Betar(Param(1e-10)), Link::Cloglog))
        );
        assert_eq!(
            family_and_link("betar", Some("probit")).ok(),
            Some((Family::Betar(eps), Link::Probit))
        );
        assert!(family_and_link("betar", Some("log")).is_err());
        assert!(family_and_link("betar(link=\"probit\")", Some("logit")).is_err());
        assert!(Family::parse("betar(eps = -1)").is_err());
        // theta = is read beside the family, not dropped.
        assert!(Family::parse("betar(theta = 3)").is_err());
        let (f, l, t) = family_link_theta("betar(theta = -3, link = 'probit')", None).unwrap();
        assert_eq!((f, l), (Family::Betar(eps), Link::Probit));
        assert_eq!(
            t,
            Some(FamilyTheta {
                values: vec![3.0],
                fixed: false
            })
        );
    }

    #[test]
    fn cnorm_parses_with_its_link() {
        assert_eq!(
            family_and_link("cnorm", None).ok(),
            Some((Family::Cnorm, Link::Identity))
        );
        assert_eq!(
            family_and_link("cnorm(link=\"log\")", None).ok(),
            Some((Family::Cnorm, Link::Log))
        );
        assert_eq!(
            family_and_link("cnorm()", Some("sqrt")).ok(),
            Some((Family::Cnorm, Link::Sqrt))
        );
        assert!(family_and_link("cnorm", Some("logit")).is_err());
        assert!(family_and_link("cnorm(link = 'log')", Some("identity")).is_err());
        let (_, _, t) = family_link_theta("cnorm(theta = 2)", None).unwrap();
        assert_eq!(t.map(|t| (t.values, t.fixed)), Some((vec![2.0], true)));
    }

    #[test]
    fn ocat_parses_with_its_classes_and_link() {
        for text in [
            "ocat(R=4)",
            "ocat(R = 4)",
            "ocat(R = 4, link = \"identity\")",
            "ocat(link = 'identity', R=4)",
        ] {
            assert_eq!(
                family_and_link(text, None).ok(),
                Some((Family::Ocat(4), Link::Identity)),
                "{text}"
            );
        }
        assert_eq!(
            family_and_link("ocat(R=3)", Some("identity")).ok(),
            Some((Family::Ocat(3), Link::Identity))
        );
        for bad in [
            "ocat",
            "ocat()",
            "ocat(4)",
            "ocat(R = 1)",
            "ocat(R = 2.5)",
            "ocat(R = 3, theta = c(1, 2))",
            "ocat(R = 4, k = 2)",
        ] {
            let e = family_and_link(bad, None).unwrap_err().to_string();
            assert!(!e.contains('\n'), "{e}");
        }
        let (f, _, t) = family_link_theta("ocat(theta = c(1.4, -1.8))", None).unwrap();
        assert_eq!(f, Family::Ocat(4));
        assert_eq!(t.map(|t| (t.values, t.fixed)), Some((vec![1.4, 1.8], false)));
        let (f, _, t) = family_link_theta("nb(theta = 3)", None).unwrap();
        assert_eq!(f, Family::NegativeBinomial);
        assert!(t.is_some_and(|t| t.fixed));
        assert!(matches!(
            family_and_link("ocat(R = 4)", Some("logit")),
            Err(GamError::UnsupportedLink { .. })
        ));
    }

    #[test]
    fn refusals_list_what_is_supported() {
        assert_eq!(
            Family::parse("weibull").unwrap_err().to_string(),
            "unsupported family 'weibull': this build fits gaussian, binomial, poisson, Gamma, \
             inverse.gaussian, nb, tw, quasipoisson, quasibinomial, negbin(theta), Tweedie(p), betar, scat, ziP, \
             cnorm, ocat(R = <classes>)"
        );
        assert_eq!(
            family_and_link("poisson", Some("logit")).unwrap_err().to_string(),
            "unsupported link 'logit' for the poisson family: supported links are log, identity, sqrt"
        );
        assert!(matches!(
            Family::Gamma.parse_link("nope"),
            Err(GamError::UnsupportedLink { name, family, .. }) if name == "nope" && family == "Gamma"
        ));
        // A family that exists is checked before its link.
        assert!(matches!(
            family_and_link("weibull", Some("nope")),
            Err(GamError::UnknownFamily { .. })
        ));
    }
}
