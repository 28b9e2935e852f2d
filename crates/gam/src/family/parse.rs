//! Family and link from their names, as a front end receives them (a
//! command-line option, a keyword argument): a name this build does not fit
//! is an error listing what it does fit.

use super::{ALL_FAMILIES, Family, Link};
use crate::error::{GamError, Result};

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
        Family::from_name(name)
            .filter(|f| ALL_FAMILIES.contains(f))
            .ok_or_else(|| GamError::UnknownFamily {
                name: name.to_string(),
                known: names(ALL_FAMILIES, Family::name),
            })
    }

    /// `Ok` if the family takes `link`; else [`GamError::LinkMismatch`]
    /// listing the links it takes.
    pub fn check_link(self, link: Link) -> Result<()> {
        if self.links().contains(&link) {
            return Ok(());
        }
        Err(GamError::LinkMismatch {
            family: self.name().to_string(),
            link: link.name().to_string(),
            links: self.links().iter().map(|l| l.name().to_string()).collect(),
        })
    }

    /// The link named `name` if the family accepts it.
    ///
    /// # Errors
    /// [`GamError::UnsupportedLink`] listing the family's links.
    pub fn parse_link(self, name: &str) -> Result<Link> {
        Link::from_name(name)
            .filter(|l| self.links().contains(l))
            .ok_or_else(|| GamError::UnsupportedLink {
                name: name.to_string(),
                family: self.name().to_string(),
                links: names(self.links(), Link::name),
            })
    }
}

/// The family named `family` and the link named `link`, or the family's
/// default link when none is named.
///
/// # Errors
/// The error of the first name refused.
pub fn family_and_link(family: &str, link: Option<&str>) -> Result<(Family, Link)> {
    let fam = Family::parse(family)?;
    let link = match link {
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
    fn refusals_list_what_is_supported() {
        assert_eq!(
            Family::parse("weibull").unwrap_err().to_string(),
            "unsupported family 'weibull': this build fits gaussian, binomial, poisson, Gamma, \
             inverse.gaussian, nb, tw"
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
