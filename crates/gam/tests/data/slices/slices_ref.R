# slices_ref.R -- what mgcv's plot.gam returns for smooths of three and four covariates (a grid of
# n3 x n3 image panels over the first two covariates, the others fixed per panel).
#
# Usage (from anywhere): Rscript slices_ref.R
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# Each model below is fitted with gam(method = "REML") to ../bench/data/gamsim1_n400.csv; on a null
# device pd <- plot(b, n2 = 40, n3 = 3, too.far = 0.1) and, for the one smooth, <id>.json holds:
# id, formula, sp (unname(b$sp)), label, vname (the plotting order of the covariates), m, nr, nc,
# lo, hi (the covariates' ranges in vname order), fit (pd[[1]]$fit in mgcv's order, null where
# excluded), main. Doubles are written exactly (see ../plot/plot_ref.R).

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
bench <- file.path(here, "..", "bench")

models <- list(
  list(id = "te3", formula = "y ~ te(x0, x1, x2, k = 4)"),
  list(id = "tp3", formula = "y ~ s(x0, x1, x2, k = 30)"),
  list(id = "te4", formula = "y ~ te(x0, x1, x2, x3, k = 3)"),
  # A tensor product with a two-covariate margin is plotted against that margin first.
  list(id = "te_d12", formula = "y ~ te(x0, x1, x2, d = c(1, 2), k = c(5, 12))")
)

source(file.path(here, "..", "ref_common.R"))

d <- read.csv(file.path(bench, "data/gamsim1_n400.csv"))
pdf(NULL)
for (m in models) {
  b <- gam(as.formula(m$formula), data = d, method = "REML")
  pd <- plot(b, n2 = 40, n3 = 3, too.far = 0.1)
  P <- pd[[1]]
  out <- list(id = m$id, formula = m$formula, sp = jarr(unname(b$sp)), label = b$smooth[[1]]$label,
              vname = I(P$vname), m = P$m, nr = P$nr, nc = P$nc, lo = jarr(P$lo), hi = jarr(P$hi),
              fit = jarr(P$fit), main = P$main)
  writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(here, paste0(m$id, ".json")))
  cat(m$id, length(P$fit), "values\n")
}
