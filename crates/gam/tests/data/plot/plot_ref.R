# plot_ref.R -- what mgcv's plot.gam returns, for every public bench case.
#
# Usage (from anywhere): Rscript plot_ref.R [id ...]      (no ids: all cases)
#
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# For each case of ../bench/cases.json it fits the model exactly as the bench script mgcv_ref.R does
# (all rows of the data file, factor columns with levels sorted numerically when every value is a
# number and otherwise in byte order, gam(formula, family = <family>(link = <link>), method = "REML"))
# and, on a null graphics device, calls
#   pd  <- plot(b, n = 100, n2 = 40, too.far = 0.1, pages = 1, residuals = TRUE, seWithMean = FALSE)
#   pdm <- plot(b, n = 100, n2 = 40, too.far = 0.1, pages = 1, seWithMean = TRUE)
# (residuals = FALSE in pd for cases with more than 10000 rows; their terms then have no p_resid and
# no raw, and "residuals" and "raw_included" are false: raw would be the CSV's columns verbatim, 4 MB
# for the 100,000-row case). It writes <id>.json next to this script:
#   id, mgcv_version, R_version, formula, n, n2, too_far, residuals, raw_included,
#   terms[]: one per element of b$smooth, in order (each level of a factor `by` smooth is its own term):
#     label, class (class(smooth)[1]), dim, by ("NA" if none), by_level (null if none),
#     plot_me, x (1-D: the n grid points; 2-D: the n2 x-grid points), y (2-D: the n2 y-grid points),
#     fit (1-D: n values; 2-D: n2*n2 values, x varying fastest, null where excluded;
#          random effects: the coefficients), se (plot.gam's se, already multiplied by se_mult:
#          2 x SE for 1-D, 1 x SE for 2-D; null when plot.gam gives none, e.g. random effects),
#     se_mult, se_with_mean (the se of the seWithMean = TRUE call), exclude (2-D: n2*n2 logicals),
#     xlab, ylab, main (null if NULL), raw (1-D: the covariate of every row, strings for a factor;
#     2-D: {x, y}), p_resid (partial residuals, one per row), edf (sum of b$edf over the term's
#     coefficients),
#   coefficients (unname(coef(b))), edf_total (sum(b$edf)), sp (unname(b$sp): the smoothing
#     parameters, one per penalty, so that a test can refit at mgcv's optimum),
#   k_check (gam.check's table from k.check(b) after set.seed(1): term, k_prime, edf, k_index,
#     p_value; NA (null) for terms it cannot test, such as random effects; absent without smooths),
#   plot_error: only for a model without smooth terms, where plot.gam stops with
#     "No terms to plot - nothing for plot.gam() to do." (terms is then []).
# Doubles are written with the fewest of 15, 16 or 17 significant digits that read back exactly
# (jsonlite 1.8.4's own writer stops at 15 digits, even with digits = NA), so the files hold R's
# doubles exactly; NA and non-finite values are written as null.

suppressPackageStartupMessages({
  library(mgcv)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
bench <- file.path(here, "..", "bench")
only <- commandArgs(trailingOnly = TRUE)

cases <- fromJSON(file.path(bench, "cases.json"), simplifyVector = FALSE)
if (length(only)) {
  unknown <- setdiff(only, vapply(cases, `[[`, "", "id"))
  if (length(unknown)) stop("unknown case id(s): ", paste(unknown, collapse = ", "))
  cases <- Filter(function(cs) cs$id %in% only, cases)
}

PLOT_N <- 100L
PLOT_N2 <- 40L
TOO_FAR <- 0.1
MAX_ROWS_RESID <- 10000L

source(file.path(here, "..", "ref_common.R"))

## ------------------------------------------------------------------ one case
run_case <- function(cs) {
  d <- load_case_data(cs)
  n <- nrow(d)
  if (!is.null(cs$n) && cs$n != n) stop(sprintf("cases.json says n=%d but %s has %d rows", cs$n, cs$data, n))
  form <- as.formula(cs$formula, env = globalenv())
  fam <- make_family(cs)
  b <- gam(form, family = fam, data = d, method = cs$method)

  resid <- n <= MAX_ROWS_RESID     # partial residuals and raw only for cases up to this many rows
  out <- list(id = cs$id, mgcv_version = packageDescription("mgcv")$Version,
              R_version = R.version.string, formula = cs$formula,
              n = PLOT_N, n2 = PLOT_N2, too_far = jscal(TOO_FAR), residuals = resid, raw_included = resid)

  if (length(b$smooth) == 0) {
    # plot.gam has nothing to plot: record its error rather than failing
    msg <- tryCatch({
      plot(b, n = PLOT_N, n2 = PLOT_N2, too.far = TOO_FAR, pages = 1, residuals = resid, seWithMean = FALSE)
      NA_character_
    }, error = function(e) conditionMessage(e))
    if (is.na(msg)) stop("plot.gam unexpectedly succeeded on a model without smooths")
    out$terms <- list()
    out$plot_error <- msg
  } else {
    pd <- plot(b, n = PLOT_N, n2 = PLOT_N2, too.far = TOO_FAR, pages = 1, residuals = resid, seWithMean = FALSE)
    pdm <- plot(b, n = PLOT_N, n2 = PLOT_N2, too.far = TOO_FAR, pages = 1, seWithMean = TRUE)
    if (length(pd) != length(b$smooth) || length(pdm) != length(b$smooth))
      stop("plot.gam returned ", length(pd), " elements for ", length(b$smooth), " smooths")
    out$terms <- lapply(seq_along(b$smooth), function(i) {
      sm <- b$smooth[[i]]
      P <- pd[[i]]; Pm <- pdm[[i]]            # [[ ]] below: P$x would partially match P$xlab
      idx <- sm$first.para:sm$last.para
      two_d <- isTRUE(P[["plot.me"]]) && sm$dim == 2
      se_num <- function(s) if (is.null(s) || is.logical(s)) NULL else jarr(s)
      t <- list(label = sm$label, class = class(sm)[1], dim = sm$dim,
                by = sm$by, by_level = opt(sm[["by.level"]]),
                plot_me = isTRUE(P[["plot.me"]]),
                x = jarr(P[["x"]]),
                y = if (two_d) jarr(P[["y"]]) else NULL,
                fit = jarr(P[["fit"]]),
                se = se_num(P[["se"]]),
                se_mult = jscal(P[["se.mult"]]),
                se_with_mean = se_num(Pm[["se"]]),
                exclude = if (two_d) I(as.logical(P[["exclude"]])) else NULL,
                xlab = opt(P[["xlab"]]), ylab = opt(P[["ylab"]]), main = opt(P[["main"]]))
      if (resid) {
        t$raw <- raw_json(P[["raw"]])
        t$p_resid <- jarr(P[["p.resid"]])
      } else {
        # raw is the data column(s) verbatim; checked, then left out to keep the file small
        r <- P[["raw"]]
        cols <- if (is.data.frame(r)) list(r[["x"]], r[["y"]]) else list(r)
        if (!identical(lapply(cols, as.numeric), lapply(sm$term, function(v) as.numeric(d[[v]]))))
          stop(sm$label, ": plot.gam's raw is not the data column")
      }
      t$edf <- jscal(sum(b$edf[idx]))
      t
    })
  }
  out$coefficients <- jarr(unname(coef(b)))
  out$edf_total <- jscal(sum(b$edf))
  out$sp <- jarr(unname(b$sp))
  # gam.check's basis-dimension table (k.check with its defaults: a subsample of 5000 rows, 400
  # permutations); the k-index is deterministic up to 5000 rows, the p-value random (seed 1).
  set.seed(1)
  kc <- k.check(b)
  if (!is.null(kc)) {
    out$k_check <- list(term = I(rownames(kc)), k_prime = jarr(kc[, 1]), edf = jarr(kc[, 2]),
                        k_index = jarr(kc[, 3]), p_value = jarr(kc[, 4]))
  }
  out
}

## ------------------------------------------------------------------ main
pdf(NULL)
for (cs in cases) {
  t0 <- proc.time()[["elapsed"]]
  res <- run_case(cs)       # an error stops the script
  writeLines(toJSON(res, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(here, paste0(cs$id, ".json")))
  desc <- vapply(res$terms, function(t) sprintf("%s[%s%s]", t$label, t$class,
                                                if (t$plot_me) "" else ",plot_me=FALSE"), "")
  cat(sprintf("%-18s n=%-6d %d term(s): %s%s (%.1fs)\n", cs$id, cs$n, length(res$terms),
              paste(desc, collapse = " "),
              if (!is.null(res$plot_error)) paste0("  [plot.gam: ", res$plot_error, "]") else "",
              proc.time()[["elapsed"]] - t0))
}
invisible(dev.off())
