# concurvity_ref.R -- what mgcv's concurvity() returns and prints, for every public bench case.
#
# Usage (from anywhere): Rscript concurvity_ref.R [id ...]      (no ids: all cases)
#
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# For each case of ../bench/cases.json (and mcycle_weighted, defined below: prior weights) it fits
# the model exactly as ../plot/plot_ref.R does (all rows of the data file, factor columns with
# levels sorted numerically when every value is a number and otherwise in byte order,
# gam(formula, family = <family>(link = <link>), method = "REML")) and writes <id>.json next to
# this script:
#   id, mgcv_version, R_version, formula,
#   sp (unname(b$sp): the smoothing parameters, so that a test can refit at mgcv's optimum),
#   terms (the column names of concurvity(b, full = TRUE): "para" first when the model has
#     parametric coefficients, then each smooth's label; mgcv 1.8-41's "para" is the first column of
#     the model matrix only, the intercept: it computes para's last column as min(start) - 1 after
#     prepending 1 to start, so para's columns are 1:0, i.e. column 1),
#   full: {worst, observed, estimate}: concurvity(b, full = TRUE)'s rows, one number per term,
#   pairwise: {worst, observed, estimate}: concurvity(b, full = FALSE)'s matrices, each a list of
#     rows (row i = term i, column j = term j),
#   projection: {worst, observed, estimate}: the full measures computed another way, as the
#     definitions say, from the projection onto the span of the other columns (a pivoted QR with
#     tol = 1e-10 of those columns; see projection_measures below). Equal to `full` up to rounding
#     wherever the other columns are linearly independent; where they are not (a random effect
#     beside the intercept), mgcv's unpivoted QR makes its number from rounding noise and this
#     one is the number the definitions give,
#   text_full, text_pairwise: the lines print(concurvity(b, full = TRUE / FALSE)) writes
#     (capture.output, default options: digits = 7, width = 80),
#   error: only for a model without smooth terms, where concurvity stops (with its message; the
#     other fields but sp are then absent).
# Doubles are written with the fewest of 15, 16 or 17 significant digits that read back exactly
# (jsonlite 1.8.4's own writer stops at 15 digits, even with digits = NA), so the files hold R's
# doubles exactly; NA and non-finite values are written as null.

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))
options(digits = 7, width = 80)

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
bench <- file.path(here, "..", "bench")
only <- commandArgs(trailingOnly = TRUE)

cases <- fromJSON(file.path(bench, "cases.json"), simplifyVector = FALSE)
# One case of this script's own: prior weights, which concurvity() leaves out of X (model.matrix is
# the unweighted lpmatrix) while the fit, hence "observed", uses them.
cases <- c(cases, list(list(id = "mcycle_weighted", data = "data/mcycle.csv", n = 133L,
                            formula = "accel ~ s(times, bs = \"cr\", k = 8) + s(row_orig, bs = \"cr\", k = 8)",
                            family = "gaussian", link = "identity", method = "REML",
                            factors = list(), weights = "row_orig")))
if (length(only)) {
  unknown <- setdiff(only, vapply(cases, `[[`, "", "id"))
  if (length(unknown)) stop("unknown case id(s): ", paste(unknown, collapse = ", "))
  cases <- Filter(function(cs) cs$id %in% only, cases)
}

source(file.path(here, "..", "ref_common.R"))

## ------------------------------------------------------------------ the measures by projection
# For each term (para first if any, then the smooths; para as concurvity() takes it): P the projection onto the span of the other
# columns of X (a basis from a pivoted QR with rank tolerance 1e-10), and
#   worst    = largest eigenvalue of (Xj'Xj)^-1 Xj'P Xj,
#   observed = |P Xj b|^2 / |Xj b|^2,
#   estimate = |P Xj|_F^2 / |Xj|_F^2.
projection_measures <- function(b) {
  X <- model.matrix(b)
  st <- sapply(b$smooth, function(s) s$first.para)
  en <- sapply(b$smooth, function(s) s$last.para)
  # "para" is column 1 only, as in concurvity(): it sets start <- c(1, start) before
  # stop <- c(min(start) - 1, stop), so para's columns are 1:0, i.e. column 1.
  if (min(st) > 1) { en <- c(1, en); st <- c(1, st) }
  out <- sapply(seq_along(st), function(i) {
    idx <- st[i]:en[i]
    Xi <- X[, -idx, drop = FALSE]; Xj <- X[, idx, drop = FALSE]; bj <- coef(b)[idx]
    q <- qr(Xi, tol = 1e-10, LAPACK = FALSE)
    Q <- qr.Q(q)[, seq_len(q$rank), drop = FALSE]
    PXj <- Q %*% crossprod(Q, Xj)
    L <- chol(crossprod(Xj))
    W <- forwardsolve(t(L), t(forwardsolve(t(L), crossprod(PXj))))
    c(max(eigen((W + t(W)) / 2, symmetric = TRUE, only.values = TRUE)$values),
      sum((PXj %*% bj)^2) / sum((Xj %*% bj)^2), sum(PXj^2) / sum(Xj^2))
  })
  list(worst = jarr(out[1, ]), observed = jarr(out[2, ]), estimate = jarr(out[3, ]))
}

## ------------------------------------------------------------------ one case
run_case <- function(cs) {
  d <- load_case_data(cs)
  n <- nrow(d)
  if (!is.null(cs$n) && cs$n != n) stop(sprintf("cases.json says n=%d but %s has %d rows", cs$n, cs$data, n))
  form <- as.formula(cs$formula, env = globalenv())
  fam <- make_family(cs)
  # do.call hands gam the weights as a vector (gam evaluates a weights argument in the data's frame)
  b <- do.call("gam", list(formula = form, family = fam, data = d, method = cs$method,
                           weights = if (is.null(cs$weights)) NULL else d[[cs$weights]]))

  out <- list(id = cs$id, mgcv_version = packageDescription("mgcv")$Version,
              R_version = R.version.string, formula = cs$formula, sp = jarr(unname(b$sp)))
  if (length(b$smooth) == 0) {
    msg <- tryCatch({
      concurvity(b)
      NA_character_
    }, error = function(e) conditionMessage(e))
    if (is.na(msg)) stop("concurvity unexpectedly succeeded on a model without smooths")
    out$error <- msg
    return(out)
  }
  cf <- concurvity(b, full = TRUE)
  cp <- concurvity(b, full = FALSE)
  rows <- function(m) lapply(seq_len(nrow(m)), function(i) jarr(m[i, ]))
  out$terms <- I(colnames(cf))
  out$full <- list(worst = jarr(cf["worst", ]), observed = jarr(cf["observed", ]),
                   estimate = jarr(cf["estimate", ]))
  out$pairwise <- list(worst = rows(cp$worst), observed = rows(cp$observed), estimate = rows(cp$estimate))
  out$projection <- projection_measures(b)
  out$text_full <- I(capture.output(print(cf)))
  out$text_pairwise <- I(capture.output(print(cp)))
  out
}

## ------------------------------------------------------------------ main
for (cs in cases) {
  t0 <- proc.time()[["elapsed"]]
  res <- run_case(cs)       # an error stops the script
  writeLines(toJSON(res, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(here, paste0(cs$id, ".json")))
  cat(sprintf("%-18s n=%-6d %s (%.1fs)\n", cs$id, cs$n,
              if (!is.null(res$error)) paste0("[concurvity: ", res$error, "]") else paste(res$terms, collapse = " "),
              proc.time()[["elapsed"]] - t0))
}
