# make_summary_refs.R -- mgcv's summary.gam tables for every public Gaussian bench case.
#
# Usage (from anywhere): Rscript make_summary_refs.R [id ...]
#
# Reads ../bench/cases.json and ../bench/data/, fits each public Gaussian case on all of its rows
# with gam(formula, method = "REML") (factor columns coded as in bench/mgcv_ref.R: levels sorted
# numerically when every value is a number, otherwise in byte order) and writes <id>.json next to
# this script with summary(fit)'s
#   s_table: label, edf, ref_df, stat (the F or Chi.sq column), p_value
#   p_table: name, estimate, se, stat (t or z), p_value
#   r_sq, dev_expl, residual_df, scale_estimated, scale, sp, reml_score
# Every number is written with sprintf("%.17g"), so the files hold mgcv's doubles exactly.
# Produced with R 4.2.2 and mgcv 1.8-41.

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
cases <- Filter(function(cs) cs$family == "gaussian" && cs$visibility == "public", cases)
if (length(only)) cases <- Filter(function(cs) cs$id %in% only, cases)

make_factor <- function(x) {
  x <- as.character(x)
  lv <- unique(x)
  nm <- suppressWarnings(as.numeric(lv))
  lv <- if (!anyNA(nm)) lv[order(nm)] else sort(lv, method = "radix")
  factor(x, levels = lv)
}

# Minimal JSON writer: numbers with 17 significant digits, non-finite numbers as null.
jnum <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")
jstr <- function(s) as.character(toJSON(s, auto_unbox = TRUE))
jarr <- function(parts) paste0("[", paste(parts, collapse = ", "), "]")
jobj <- function(keys, values) paste0("{", paste0(vapply(keys, jstr, ""), ": ", values, collapse = ", "), "}")

for (cs in cases) {
  d <- read.csv(file.path(bench, cs$data), stringsAsFactors = FALSE, check.names = FALSE)
  for (f in unlist(cs$factors)) d[[f]] <- make_factor(d[[f]])
  fit <- gam(as.formula(cs$formula), data = d, method = "REML")
  s <- summary(fit)
  st <- s$s.table
  s_rows <- vapply(seq_len(nrow(st)), function(i) {
    jobj(c("label", "edf", "ref_df", "stat", "p_value"),
         c(jstr(rownames(st)[i]), jnum(st[i, 1]), jnum(st[i, 2]), jnum(st[i, 3]), jnum(st[i, 4])))
  }, "")
  pt <- s$p.table
  p_rows <- vapply(seq_len(nrow(pt)), function(i) {
    jobj(c("name", "estimate", "se", "stat", "p_value"),
         c(jstr(rownames(pt)[i]), jnum(pt[i, 1]), jnum(pt[i, 2]), jnum(pt[i, 3]), jnum(pt[i, 4])))
  }, "")
  out <- jobj(
    c("id", "mgcv_version", "R_version", "formula", "n", "s_stat_column", "s_table", "p_table",
      "r_sq", "dev_expl", "residual_df", "scale_estimated", "scale", "sp", "reml_score"),
    c(jstr(cs$id), jstr(as.character(packageVersion("mgcv"))), jstr(R.version.string), jstr(cs$formula),
      jnum(nrow(d)), jstr(colnames(st)[3]), jarr(s_rows), jarr(p_rows),
      jnum(s$r.sq), jnum(s$dev.expl), jnum(s$residual.df), tolower(as.character(fit$scale.estimated)),
      jnum(fit$sig2), jarr(jnum(fit$sp)), jnum(fit$gcv.ubre)))
  writeLines(out, file.path(here, paste0(cs$id, ".json")))
  cat(cs$id, ": ", nrow(st), " smooth rows, ", nrow(pt), " parametric rows\n", sep = "")
}

## ------------------------------------------------------------------ re_test_fixture.json
# The inputs and outputs of mgcv's smooth-term tests on a small simulated model with a cyclic smooth
# (tested by reTest: no null space after centring), two random effects (each tested with the other
# integrated out, recov's second branch) and a cubic regression spline (testStat), fitted with the
# scale estimated (F-type tests) and with the scale known to be 1 (chi-squared tests). Used by the
# unit tests of crates/gam/src/summary_test/re_test.rs; only written when no case ids are given.
if (!length(only)) {
  set.seed(7)
  n <- 150
  x0 <- runif(n); x1 <- runif(n)
  g1 <- factor(sample(letters[1:4], n, TRUE)); g2 <- factor(sample(LETTERS[1:3], n, TRUE))
  y <- 0.25 * sin(2 * pi * x0) + 0.5 * x1 + c(0.4, -0.2, 0.1, -0.3)[g1] + c(0.05, 0, -0.05)[g2] + rnorm(n, sd = 0.8)
  sim <- data.frame(y, x0, x1, g1, g2)
  form <- y ~ s(x0, bs = "cc", k = 6) + s(g1, bs = "re") + s(g2, bs = "re") + s(x1, bs = "cr", k = 5)
  jmat <- function(m) jarr(apply(m, 1, function(r) jarr(jnum(r))))
  fit_json <- function(fit) {
    s <- summary(fit)
    k <- 0
    blocks <- vapply(fit$smooth, function(sm) {
      ns <- length(sm$S)
      sp <- if (ns) fit$sp[k + seq_len(ns)] else numeric(0)
      k <<- k + ns
      jobj(c("label", "first", "n_coef", "random", "null_space_dim", "sp", "S"),
           c(jstr(sm$label), jnum(sm$first.para - 1), jnum(sm$last.para - sm$first.para + 1),
             tolower(as.character(isTRUE(sm$random))), jnum(sm$null.space.dim), jarr(jnum(sp)),
             jarr(vapply(sm$S, jmat, ""))))
    }, "")
    st <- s$s.table
    rows <- vapply(seq_len(nrow(st)), function(i) {
      jobj(c("label", "ref_df", "stat", "p_value"),
           c(jstr(rownames(st)[i]), jnum(st[i, 2]), jnum(st[i, 3]), jnum(st[i, 4])))
    }, "")
    jobj(c("scale_estimated", "scale", "residual_df", "edf1", "coefficients", "R", "Vp", "blocks", "s_table"),
         c(tolower(as.character(fit$scale.estimated)), jnum(fit$sig2), jnum(fit$df.residual),
           jarr(jnum(fit$edf1)), jarr(jnum(coef(fit))), jmat(fit$R), jmat(fit$Vp), jarr(blocks), jarr(rows)))
  }
  est <- gam(form, data = sim, method = "REML")
  known <- gam(form, data = sim, method = "REML", scale = 1)
  writeLines(jobj(c("formula", "scale_estimated_fit", "scale_known_fit"),
                  c(jstr(deparse(form)), fit_json(est), fit_json(known))),
             file.path(here, "re_test_fixture.json"))
  cat("re_test_fixture.json written\n")
}
