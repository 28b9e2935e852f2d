//! Family and link from their names, as a front end receives them (a
//! command-line option, a keyword argument): a name this build does not fit
//! is an error listing what it does fit.

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

impl Family {
    /// The family named `name` (R's spelling, see [`Family::from_name`]).
    ///
    /// # Errors
    /// [`GamError::UnknownFamily`] listing the families this build fits.
    pub fn parse(name: &str) -> Result<Family> {
        if let Some((function, arg)) = call(name) {
            return Family::with_param(function, arg);
        }
        match name.trim() {
            "betar" => return Ok(Family::Betar(Param(betar::DEFAULT_EPS))),
            "scat" => return Ok(Family::Scat(Param(scat::DEFAULT_MIN_DF))),
            "ziP" => return Ok(Family::ZiP(Param(0.0))),
            _ => {}
        }
        if name.trim() == "cnorm" {
            return Ok(Family::Cnorm);
        }
        if name.trim() == "ocat" {
            return Err(GamError::Control {
                option: "ocat".into(),
                message: "give the number of classes, e.g. ocat(R = 4)".into(),
            });
        }
        Family::from_name(name)
            .filter(|f| ALL_FAMILIES.contains(f))
            .ok_or_else(|| GamError::UnknownFamily {
                name: name.to_string(),
                known: known_families(),
            })
    }

    /// mgcv's `negbin(θ)` and `Tweedie(p)` with the argument's text `arg`.
    fn with_param(function: &str, arg: &str) -> Result<Family> {
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
                    Some(t) if t > 0.0 => Ok(Family::NegBinFixed(Param(t))),
                    _ => Err(bad("theta must be a positive number, e.g. negbin(3)".into())),
                }
            }
            "Tweedie" => match value {
                Some(p) if p > 1.0 && p < 2.0 => Ok(Family::TweedieFixed(Param(p))),
                Some(2.0) => Err(bad(
                    "p = 2 is not supported here: the Gamma family (--family Gamma) has the same variance".into(),
                )),
                _ => Err(bad(
                    "p must lie in 1 < p < 2 (mgcv: only 1 < p <= 2), e.g. Tweedie(1.25)".into(),
                )),
            },
            "betar" => Ok(Family::Betar(Param(extended_args(function, arg)?.0))),
            "scat" => Ok(Family::Scat(Param(extended_args(function, arg)?.0))),
            "ziP" => Ok(Family::ZiP(Param(extended_args(function, arg)?.0))),
            "cnorm" => cnorm_link(arg).map(|_| Family::Cnorm),
            "ocat" => Ok(Family::Ocat(ocat_args(arg)?.0)),
            _ => Err(GamError::UnknownFamily {
                name: format!("{function}({arg})"),
                known: known_families(),
            }),
        }
    }

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

/// The numeric argument an extended family takes besides `link`: its name, mgcv's default,
/// the values allowed (as text for the message) and an example.
struct NumericArg {
    key: &'static str,
    default: f64,
    ok: fn(f64) -> bool,
    rule: &'static str,
}

/// The numeric argument of mgcv's `betar(eps = ...)` and `scat(min.df = ...)`.
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

/// The arguments of an extended family given as a call (`betar(link = "logit", eps = ...)`,
/// `scat(min.df = 3)`): its numeric argument (mgcv's default when not given) and the link's
/// name if given there.
fn extended_args(function: &str, arg: &str) -> Result<(f64, Option<String>)> {
    let bad = |message: String| GamError::Control {
        option: format!("{function}({arg})"),
        message,
    };
    let spec = numeric_arg(function).ok_or_else(|| bad("not an extended family".into()))?;
    let mut value = spec.default;
    let mut link = None;
    for part in arg.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, v) = part.split_once('=').map_or(("", part), |(k, v)| (k.trim(), v.trim()));
        let text = v.trim_matches(|c| c == '"' || c == '\'');
        match key {
            k if k == spec.key => match text.parse::<f64>() {
                Ok(v) if v.is_finite() && (spec.ok)(v) => value = v,
                _ => return Err(bad(format!("{} must be {}", spec.key, spec.rule))),
            },
            "link" | "" if text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') => link = Some(text.to_string()),
            "theta" => {
                return Err(bad(format!(
                    "a fixed theta is not supported: use {function} to estimate it with the smoothing parameters"
                )));
            }
            _ => {
                return Err(bad(format!(
                    "unknown argument '{part}': {function} takes link = and {} =",
                    spec.key
                )));
            }
        }
    }
    Ok((value, link))
}

/// The link named in mgcv's `cnorm(link = "log")` as text, if any; a fixed or starting
/// `theta` is refused (σ is estimated).
fn cnorm_link(arg: &str) -> Result<Option<String>> {
    let bad = |message: String| GamError::Control {
        option: format!("cnorm({arg})"),
        message,
    };
    let mut link = None;
    for part in arg.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').map_or(("", part), |(k, v)| (k.trim(), v.trim()));
        let text = value.trim_matches(|c| c == '"' || c == '\'');
        match key {
            "link" | "" if text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') => link = Some(text.to_string()),
            "theta" => {
                return Err(bad(
                    "a fixed or starting theta is not supported: cnorm estimates log sigma with the smoothing parameters"
                        .into(),
                ));
            }
            _ => return Err(bad(format!("unknown argument '{part}': cnorm takes link ="))),
        }
    }
    Ok(link)
}

/// The largest number of classes `ocat(R = ...)` takes (far beyond what a fit can estimate;
/// it keeps R a small integer in messages and files).
pub const MAX_OCAT_CLASSES: u32 = 1000;

/// The arguments of mgcv's `ocat(R = ..., link = "identity")` as text: R (required, an integer
/// from 2 to [`MAX_OCAT_CLASSES`]) and the link's name if given there. mgcv's first positional
/// argument is `theta` (fixed or starting cut points), which is refused.
fn ocat_args(arg: &str) -> Result<(u32, Option<String>)> {
    let bad = |message: String| GamError::Control {
        option: format!("ocat({arg})"),
        message,
    };
    let mut classes = None;
    let mut link = None;
    for part in arg.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=').map(|(k, v)| (k.trim(), v.trim())) else {
            return Err(bad(format!(
                "give the number of classes by name, e.g. ocat(R = 4): '{part}' would be mgcv's theta"
            )));
        };
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
            "link" if text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') => link = Some(text.to_string()),
            "theta" => {
                return Err(bad(
                    "fixed or starting cut points are not supported: give ocat(R = ...) to estimate them".into(),
                ));
            }
            _ => return Err(bad(format!("unknown argument '{part}': ocat takes R = and link ="))),
        }
    }
    match classes {
        Some(r) => Ok((r, link)),
        None => Err(bad("give the number of classes, e.g. ocat(R = 4)".into())),
    }
}

/// The family named `family` and the link named `link`, or the family's
/// default link when none is named (for `betar(link = "probit")`, also the link given there).
///
/// # Errors
/// The error of the first name refused.
pub fn family_and_link(family: &str, link: Option<&str>) -> Result<(Family, Link)> {
    let fam = Family::parse(family)?;
    let inner = match (fam, call(family)) {
        (Family::Betar(_) | Family::Scat(_) | Family::ZiP(_), Some((function, arg))) => extended_args(function, arg)?.1,
        (Family::Cnorm, Some((_, arg))) => cnorm_link(arg)?,
        (Family::Ocat(_), Some((_, arg))) => ocat_args(arg)?.1,
        _ => None,
    };
    if let (Some(a), Some(b)) = (inner.as_deref(), link)
        && a != b
    {
        return Err(GamError::Control {
            option: family.to_string(),
            message: format!("the link is given twice, as {a} and as {b}: give it once"),
        });
    }
    let link = match link.or(inner.as_deref()) {
        None => fam.default_link(),
        Some(l) => fam.parse_link(l)?,
    };
    Ok((fam, link))
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
        assert!(
            Family::parse("betar(theta = 3)")
                .unwrap_err()
                .to_string()
                .contains("fixed theta")
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
        assert!(
            Family::parse("cnorm(theta = 2)")
                .unwrap_err()
                .to_string()
                .contains("theta")
        );
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
            "ocat(theta = c(1, 2))",
            "ocat(R = 4, k = 2)",
        ] {
            let e = family_and_link(bad, None).unwrap_err().to_string();
            assert!(!e.contains('\n'), "{e}");
        }
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
