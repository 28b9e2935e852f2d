//! Family and link from their names, as a front end receives them (a
//! command-line option, a keyword argument): a name this build does not fit
//! is an error listing what it does fit.

use super::{ALL_FAMILIES, Family, Link};

/// A family or link name that was refused. The message lists the supported
/// names, so that it alone tells the user what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FamilyError {
    /// No family of this build has the name.
    #[error("unsupported family '{name}': this build fits {}", names(ALL_FAMILIES, Family::name))]
    UnknownFamily {
        /// The name as given.
        name: String,
    },
    /// The link is unknown or not one the family accepts.
    #[error(
        "unsupported link '{name}' for the {} family: supported links are {}",
        family.name(),
        names(family.links(), Link::name)
    )]
    UnsupportedLink {
        /// The link name as given.
        name: String,
        /// The family it was asked for.
        family: Family,
    },
}

/// The names of `items`, comma-separated.
fn names<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> String {
    items.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ")
}

impl Family {
    /// The family named `name` (R's spelling, see [`Family::from_name`]).
    ///
    /// # Errors
    /// [`FamilyError::UnknownFamily`] listing the families this build fits.
    pub fn parse(name: &str) -> Result<Family, FamilyError> {
        Family::from_name(name)
            .filter(|f| ALL_FAMILIES.contains(f))
            .ok_or_else(|| FamilyError::UnknownFamily { name: name.to_string() })
    }

    /// The link named `name` if the family accepts it.
    ///
    /// # Errors
    /// [`FamilyError::UnsupportedLink`] listing the family's links.
    pub fn parse_link(self, name: &str) -> Result<Link, FamilyError> {
        Link::from_name(name)
            .filter(|l| self.links().contains(l))
            .ok_or_else(|| FamilyError::UnsupportedLink {
                name: name.to_string(),
                family: self,
            })
    }
}

/// The family named `family` and the link named `link`, or the family's
/// default link when none is named.
///
/// # Errors
/// The [`FamilyError`] of the first name refused.
pub fn family_and_link(family: &str, link: Option<&str>) -> Result<(Family, Link), FamilyError> {
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
            family_and_link("gaussian", None),
            Ok((Family::Gaussian, Link::Identity))
        );
        assert_eq!(
            family_and_link("binomial", Some("probit")),
            Ok((Family::Binomial, Link::Probit))
        );
        assert_eq!(family_and_link("gamma", None), Ok((Family::Gamma, Link::Inverse)));
        assert_eq!(Family::parse("nb"), Ok(Family::NegativeBinomial));
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
        assert_eq!(
            Family::Gamma.parse_link("nope"),
            Err(FamilyError::UnsupportedLink {
                name: "nope".into(),
                family: Family::Gamma
            })
        );
        // A family that exists is checked before its link.
        assert!(matches!(
            family_and_link("weibull", Some("nope")),
            Err(FamilyError::UnknownFamily { .. })
        ));
    }
}
