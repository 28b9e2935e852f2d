# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/id && Rscript make_reference.R
# Issue 16: smooths linked by `id =` share one basis (set up from their pooled
# covariates) and one smoothing parameter per penalty. Writes id_n300.csv
# (training data), id_new.csv (new data) and one <case>.json per model with
# mgcv's model matrix G$X and penalties G$S (gam(..., fit = FALSE)), its L,
# and the REML fit: score, full.sp, per-smooth EDF, fitted values, predictions.
# Numbers are written with sprintf("%.17g"). Deterministic.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")
source("../ref_common.R") # write_csv, num, write_setup_fit_refs

set.seed(20261207)
n <- 300
x <- runif(n); z <- runif(n, 0.1, 1.3); w <- runif(n)
fac <- sample(c("a", "b", "c"), n, replace = TRUE)
eta <- sin(2 * pi * x) + 0.8 * cos(3 * z) + (match(fac, c("a", "b", "c")) - 2) * 0.4 * x + w^2
y <- eta + rnorm(n, sd = 0.3)
yc <- rpois(n, exp(0.3 + 0.6 * eta))
m <- 40
new <- data.frame(x = runif(m), z = runif(m, 0.1, 1.3), w = runif(m), fac = sample(c("a", "b", "c"), m, TRUE))
write_csv(data.frame(y = y, yc = yc, x = x, z = z, w = w, fac = fac), "id_n300.csv")
write_csv(new, "id_new.csv")

d <- read.csv("id_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("id_new.csv", stringsAsFactors = TRUE)

cases <- list(
  list(id = "id_tp", formula = "y ~ s(x, id = 1) + s(z, id = 1)", family = gaussian()),
  list(id = "id_clone", formula = "y ~ s(x, bs = \"cr\", k = 12, id = \"a\") + s(z, id = \"a\") + s(w)",
       family = gaussian()),
  list(id = "id_by", formula = "y ~ fac + s(x, by = fac, id = 1)", family = gaussian()),
  list(id = "id_te", formula = "y ~ te(x, z, id = 1) + te(x, w, id = 1)", family = gaussian()),
  list(id = "id_pois", formula = "yc ~ s(x, id = 1) + s(z, id = 1) + s(w)", family = poisson())
)
write_setup_fit_refs(cases, d, nd, "id/id_n300.csv", "id/id_new.csv", reps = 20)
