# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/tensor_d && Rscript make_reference.R
# Issue 16: te()/ti() margins of several covariates (d =) and ti() margins left
# uncentred (mc =), on the data of ../id (id_n300.csv, id_new.csv). Writes
# one <case>.json per model with mgcv's model matrix G$X and penalties G$S (gam(..., fit = FALSE)), its L,
# and the REML fit: score, full.sp, per-smooth EDF, fitted values, predictions.
# Numbers are written with sprintf("%.17g"). Deterministic.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
d <- read.csv("../id/id_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("../id/id_new.csv", stringsAsFactors = TRUE)

cases <- list(
  list(id = "te_d21", formula = "y ~ te(x, z, w, d = c(2, 1), k = c(10, 4))", family = gaussian()),
  list(id = "te_d12_default", formula = "y ~ te(w, x, z, d = c(1, 2))", family = gaussian()),
  list(id = "ti_mc", formula = "y ~ s(x) + ti(x, z, mc = c(TRUE, FALSE))", family = gaussian()),
  list(id = "ti_d21_pois", formula = "yc ~ s(w) + ti(x, z, w, d = c(2, 1), k = c(8, 4))", family = poisson())
)
for (cs in cases) {
  f <- as.formula(cs$formula)
  G <- gam(f, family = cs$family, data = d, method = "REML", fit = FALSE)
  b <- gam(f, family = cs$family, data = d, method = "REML")
  pr <- predict(b, nd, type = "link", se.fit = TRUE)
  t0 <- proc.time()[["elapsed"]]
  reps <- 10
  for (r in seq_len(reps)) gam(f, family = cs$family, data = d, method = "REML")
  secs <- (proc.time()[["elapsed"]] - t0) / reps
  out <- list(
    id = cs$id, data = "id/id_n300.csv", newdata = "id/id_new.csv",
    formula = cs$formula, family = b$family$family, link = b$family$link,
    n_coef = ncol(G$X), X = num(t(G$X)),
    S = lapply(seq_along(G$S), function(i) list(off = G$off[i], dim = ncol(G$S[[i]]), S = num(G$S[[i]]))),
    L = if (is.null(G$L)) NULL else list(nrow = nrow(G$L), ncol = ncol(G$L), L = num(G$L)),
    coef_names = names(coef(b)),
    reml = num(b$gcv.ubre), sp = num(b$sp), full_sp = num(if (is.null(b$full.sp)) b$sp else b$full.sp),
    full_sp_names = names(if (is.null(b$full.sp)) b$sp else b$full.sp),
    edf = num(sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))),
    labels = sapply(b$smooth, function(s) s$label),
    fitted = num(b$fitted.values),
    pred = num(pr$fit), pred_se = num(pr$se.fit),
    mgcv_seconds = num(secs)
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = FALSE, digits = NA), paste0(cs$id, ".json"))
  cat(cs$id, ": p =", ncol(G$X), " sp =", format(b$sp, digits = 4), " reml =", format(b$gcv.ubre, digits = 10), "\n")
}
