# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/tensor_d && Rscript make_reference.R
# Issue 16: te()/ti() margins of several covariates (d =) and ti() margins left
# uncentred (mc =), on the data of ../id (id_n300.csv, id_new.csv). Writes
# one <case>.json per model with mgcv's model matrix G$X and penalties G$S (gam(..., fit = FALSE)), its L,
# and the REML fit: score, full.sp, per-smooth EDF, fitted values, predictions.
# Numbers are written with sprintf("%.17g"). Deterministic.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")
source("../ref_common.R") # num, write_setup_fit_refs
d <- read.csv("../id/id_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("../id/id_new.csv", stringsAsFactors = TRUE)

cases <- list(
  list(id = "te_d21", formula = "y ~ te(x, z, w, d = c(2, 1), k = c(10, 4))", family = gaussian()),
  list(id = "te_d12_default", formula = "y ~ te(w, x, z, d = c(1, 2))", family = gaussian()),
  list(id = "ti_mc", formula = "y ~ s(x) + ti(x, z, mc = c(TRUE, FALSE))", family = gaussian()),
  list(id = "ti_d21_pois", formula = "yc ~ s(w) + ti(x, z, w, d = c(2, 1), k = c(8, 4))", family = poisson())
)
write_setup_fit_refs(cases, d, nd, "id/id_n300.csv", "id/id_new.csv", reps = 10)
