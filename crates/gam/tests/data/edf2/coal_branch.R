## References for tests/loglik_fidelity.rs::coal_edf2_follows_the_basis_mgcv_builds:
## mgcv 1.8-41's logLik df, AIC, sum(edf2) and coefficients for
## count ~ s(year, k = 20) on the coal data (Poisson and negative binomial,
## REML), as given and with 1e-9 added to the year of the first row.
## The years are exactly symmetric about their mean, so constraint entries
## that are zero in exact arithmetic decide the signs of mgcv's Householder
## reflections in the thin plate basis by rounding noise; the perturbation
## selects the other basis, with which edf2 (not the fit) changes.
## Run from this directory: Rscript coal_branch.R > coal_branch.json
suppressMessages(library(mgcv))
library(jsonlite)
d <- read.csv("../bench/data/coal.csv")
p <- d; p$year[1] <- p$year[1] + 1e-9
one <- function(family, data) {
  b <- gam(count ~ s(year, k = 20), family = family, data = data, method = "REML")
  list(sp = b$sp, edf = sum(b$edf), edf2 = sum(b$edf2), loglik_df = attr(logLik(b), "df"),
       aic = AIC(b), coefficients = unname(coef(b)))
}
out <- list(mgcv_version = as.character(packageVersion("mgcv")), perturbed_row = 1, perturbation = 1e-9,
  poisson = list(given = one(poisson(), d), perturbed = one(poisson(), p)),
  nb = list(given = one(nb(), d), perturbed = one(nb(), p)))
cat(toJSON(out, digits = I(17), auto_unbox = TRUE, pretty = TRUE), "\n")
