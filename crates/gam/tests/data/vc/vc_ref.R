# vc_ref.R -- mgcv's smoothing-parameter corrected covariance Vc (vcov(b, unconditional = TRUE)) for
# every public bench case with at most 10000 rows.
#
# Usage (from anywhere): Rscript vc_ref.R
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# Each case is fitted as ../plot/plot_ref.R fits it. <id>.json holds id, sp (unname(b$sp)), p, and
# the prediction variances at the first 50 training rows under Vp and under Vc
# (rowSums((X %*% V) * X) with X = predict(b, type = "lpmatrix")): basis-free numbers, as the
# coefficient basis of a thin plate smooth can differ between two correct implementations.
# Doubles are written exactly (see ../plot/plot_ref.R).

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))
args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
bench <- file.path(here, "..", "bench")
cases <- fromJSON(file.path(bench, "cases.json"), simplifyVector = FALSE)
cases <- Filter(function(cs) cs$visibility == "public", cases)
ROWS <- 50L

source(file.path(here, "..", "ref_common.R"))

for (cs in cases) {
  d <- load_case_data(cs)
  if (nrow(d) > 10000) next
  b <- gam(as.formula(cs$formula, env = globalenv()), family = make_family(cs), data = d, method = cs$method)
  X <- predict(b, type = "lpmatrix")[seq_len(min(ROWS, nrow(d))), , drop = FALSE]
  var_of <- function(V) rowSums((X %*% V) * X)
  out <- list(id = cs$id, sp = jarr(unname(b$sp)), p = ncol(X),
              var_vp = jarr(var_of(b$Vp)), var_vc = jarr(var_of(if (is.null(b$Vc)) b$Vp else b$Vc)),
              has_vc = !is.null(b$Vc))
  writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(here, paste0(cs$id, ".json")))
  cat(cs$id, "\n")
}
