# anova_ref.R -- what mgcv's anova.gam, AIC, BIC and logLik give, for every public bench case and
# for a handful of nested model sequences on those data sets.
#
# Usage (from anywhere): Rscript anova_ref.R [id ...]      (no ids: all cases and comparisons)
#
# Needs R with mgcv 1.8-41 (the files here were produced with R 4.2.2, mgcv 1.8-41, jsonlite 1.8.4).
#
# For each public case of ../bench/cases.json it fits the model exactly as plot_ref.R does (all rows,
# factor columns with levels sorted numerically when every value is a number and otherwise in byte
# order, gam(formula, family = <family>(link = <link>), method = <method>)) and writes <id>.json:
#   id, mgcv_version, R_version, formula, sp (unname(b$sp), to refit at mgcv's optimum),
#   p_terms: anova(b)$pTerms.table as {term, df, stat, p_value, stat_name} (absent without terms),
#   s_table: anova(b)$s.table as {term, edf, ref_df, stat, p_value, stat_name} (absent without smooths),
#   text: print(anova(b)) exactly, every line followed by "\n",
#   loglik, loglik_df (attr(logLik(b), "df")), aic (AIC(b)), bic (BIC(b)), nobs (nobs(b)).
# The comparisons (list COMPARISONS below) each fit two or three nested models to one data set,
# freely (method "REML", smoothing parameters estimated), and write comparisons.json, a list of:
#   id, data, factors, family, link, formulas, labels (m1, m2, ...),
#   models[]: per model sp, n, deviance, edf (sum), edf1 (sum), edf2 (sum, null if NULL), sig2,
#     df_residual (n - sum(edf1) - (sum(edf2) - sum(edf)): anova.gam's), anova_deviance (what
#     anova.gam passes on: the deviance, or -2 logLik times sig2 for an extended family),
#     loglik, loglik_df, aic, bic, nobs,
#   anova: per test (none, F, Chisq) {test, columns{resid_df, resid_dev, df, deviance, f, p_value},
#     text (print of anova(b1, b2, ..., test = test)), warnings},
#   compare: {text: print(data.frame(df, logLik, AIC, BIC, row.names = labels))}.
# Doubles are written as in plot_ref.R (the fewest of 15, 16 or 17 significant digits that read
# back exactly); NA and non-finite values are written as null.

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
cases <- Filter(function(cs) identical(cs$visibility, "public"), cases)

COMPARISONS <- list(
  list(id = "mcycle_k", data = "data/mcycle.csv", factors = list(), family = "gaussian", link = "identity",
       formulas = c("accel ~ s(times, k = 5)", "accel ~ s(times)", "accel ~ s(times, k = 20)")),
  list(id = "coal_k", data = "data/coal.csv", factors = list(), family = "poisson", link = "log",
       formulas = c("count ~ year", "count ~ s(year, k = 20)")),
  list(id = "cake_terms", data = "data/cake.csv", factors = list("recipe", "replicate"),
       family = "gaussian", link = "identity",
       formulas = c("angle ~ s(temp, k = 5)", "angle ~ recipe + s(temp, k = 5)",
                    "angle ~ recipe + s(temp, k = 5) + s(replicate, bs = \"re\")")),
  list(id = "binary_terms", data = "data/gamsim1_binary_n400.csv", factors = list(),
       family = "binomial", link = "logit",
       formulas = c("y ~ s(x0, bs = \"cr\") + s(x1, bs = \"cr\")",
                    "y ~ s(x0, bs = \"cr\") + s(x1, bs = \"cr\") + s(x2, bs = \"cr\") + s(x3, bs = \"cr\")")),
  list(id = "trees_terms", data = "data/trees.csv", factors = list(), family = "Gamma", link = "log",
       formulas = c("Volume ~ s(Girth)", "Volume ~ s(Girth) + s(Height)")),
  list(id = "coal_nb", data = "data/coal.csv", factors = list(), family = "nb", link = "log",
       formulas = c("count ~ s(year, k = 5)", "count ~ s(year, k = 20)"))
)

if (length(only)) {
  known <- c(vapply(cases, `[[`, "", "id"), vapply(COMPARISONS, `[[`, "", "id"))
  unknown <- setdiff(only, known)
  if (length(unknown)) stop("unknown id(s): ", paste(unknown, collapse = ", "))
  cases <- Filter(function(cs) cs$id %in% only, cases)
  COMPARISONS <- Filter(function(cs) cs$id %in% only, COMPARISONS)
}

## ------------------------------------------------------------------ as in plot_ref.R
make_factor <- function(x) {
  x <- as.character(x)
  lv <- unique(x)
  nm <- suppressWarnings(as.numeric(lv))
  lv <- if (!anyNA(nm)) lv[order(nm)] else sort(lv, method = "radix")
  factor(x, levels = lv)
}

load_data <- function(file, factors) {
  d <- read.csv(file.path(bench, file), stringsAsFactors = FALSE, check.names = FALSE)
  for (f in unlist(factors)) d[[f]] <- make_factor(d[[f]])
  d
}

make_family <- function(family, link) {
  switch(family,
         gaussian = gaussian(link = link),
         binomial = binomial(link = link),
         poisson  = poisson(link = link),
         Gamma    = Gamma(link = link),
         nb       = nb(link = link),
         stop("unknown family ", family))
}

## ------------------------------------------------------------------ JSON helpers (as plot_ref.R)
jnum_strings <- function(x) {
  x <- as.numeric(x)
  fin <- is.finite(x)
  s <- rep("null", length(x))
  todo <- which(fin)
  for (digits in 15:17) {
    if (!length(todo)) break
    cand <- sprintf(paste0("%.", digits, "g"), x[todo])
    back <- fromJSON(paste0("[", paste(cand, collapse = ","), "]"))
    ok <- if (digits == 17) rep(TRUE, length(todo)) else back == x[todo]
    s[todo[ok]] <- cand[ok]
    todo <- todo[!ok]
  }
  s
}
jarr <- function(x) {
  if (is.null(x)) return(NULL)
  structure(paste0("[", paste(jnum_strings(x), collapse = ","), "]"), class = "json")
}
jscal <- function(x) {
  if (is.null(x)) return(NULL)
  stopifnot(length(x) == 1)
  structure(jnum_strings(x), class = "json")
}
printed <- function(x) paste0(paste(capture.output(print(x)), collapse = "\n"), "\n")

## ------------------------------------------------------------------ one public case
run_case <- function(cs) {
  d <- load_data(cs$data, cs$factors)
  b <- gam(as.formula(cs$formula, env = globalenv()), family = make_family(cs$family, cs$link),
           data = d, method = cs$method)
  a <- anova(b)
  out <- list(id = cs$id, mgcv_version = packageDescription("mgcv")$Version,
              R_version = R.version.string, formula = cs$formula, sp = jarr(unname(b$sp)))
  if (length(a$pTerms.pv)) {
    t <- a$pTerms.table
    out$p_terms <- list(term = I(rownames(t)), df = jarr(t[, 1]), stat = jarr(t[, 2]),
                        p_value = jarr(t[, 3]), stat_name = colnames(t)[2])
  }
  if (a$m > 0) {
    t <- a$s.table
    out$s_table <- list(term = I(rownames(t)), edf = jarr(t[, 1]), ref_df = jarr(t[, 2]),
                        stat = jarr(t[, 3]), p_value = jarr(t[, 4]), stat_name = colnames(t)[3])
  }
  out$text <- printed(a)
  ll <- logLik(b)
  out$loglik <- jscal(as.numeric(ll))
  out$loglik_df <- jscal(attr(ll, "df"))
  out$aic <- jscal(AIC(b))
  out$bic <- jscal(BIC(b))
  out$nobs <- nobs(b)
  out
}

## ------------------------------------------------------------------ one comparison
with_warnings <- function(expr) {
  w <- character(0)
  val <- withCallingHandlers(expr, warning = function(c) {
    w <<- c(w, conditionMessage(c))
    invokeRestart("muffleWarning")
  })
  list(value = val, warnings = w)
}

run_comparison <- function(cmp) {
  d <- load_data(cmp$data, cmp$factors)
  # A family object per model: nb() keeps its theta in the object's environment, shared by
  # every fit given the same object.
  ms <- lapply(cmp$formulas, function(f) gam(as.formula(f, env = globalenv()),
                                             family = make_family(cmp$family, cmp$link), data = d,
                                             method = "REML"))
  labels <- paste0("m", seq_along(ms))
  models <- lapply(ms, function(b) {
    n <- length(b$y)
    dfc <- if (is.null(b$edf2)) 0 else sum(b$edf2) - sum(b$edf)
    ll <- logLik(b)
    dev <- if (inherits(b$family, "extended.family")) -2 * as.numeric(ll) * b$sig2 else b$deviance
    list(sp = jarr(unname(b$sp)), n = n, deviance = jscal(b$deviance), edf = jscal(sum(b$edf)),
         edf1 = jscal(sum(b$edf1)), edf2 = if (is.null(b$edf2)) NULL else jscal(sum(b$edf2)),
         sig2 = jscal(b$sig2), df_residual = jscal(n - sum(b$edf1) - dfc), anova_deviance = jscal(dev),
         loglik = jscal(as.numeric(ll)), loglik_df = jscal(attr(ll, "df")), aic = jscal(AIC(b)),
         bic = jscal(BIC(b)), nobs = nobs(b),
         theta = if (inherits(b$family, "extended.family")) jscal(b$family$getTheta(TRUE)) else NULL)
  })
  tests <- list(none = NULL, F = "F", Chisq = "Chisq")
  anovas <- lapply(names(tests), function(tn) {
    r <- with_warnings(do.call(anova, c(ms, list(test = tests[[tn]]))))
    a <- r$value
    col <- function(name) if (name %in% colnames(a)) jarr(a[[name]]) else NULL
    p_col <- grep("^Pr\\(", colnames(a), value = TRUE)
    list(test = tn,
         columns = list(resid_df = col("Resid. Df"), resid_dev = col("Resid. Dev"), df = col("Df"),
                        deviance = col("Deviance"), f = col("F"),
                        p_value = if (length(p_col)) jarr(a[[p_col]]) else NULL),
         p_name = if (length(p_col)) p_col else NULL,
         text = printed(a), warnings = I(as.character(r$warnings)))
  })
  lls <- lapply(ms, logLik)
  tab <- data.frame(df = vapply(lls, function(l) attr(l, "df"), 0),
                    logLik = vapply(lls, as.numeric, 0),
                    AIC = vapply(ms, AIC, 0), BIC = vapply(ms, BIC, 0), row.names = labels)
  # The df and AIC columns are R's AIC(m1, m2, ...) data frame.
  aic_df <- do.call(AIC, ms)
  stopifnot(isTRUE(all.equal(aic_df$AIC, tab$AIC, tolerance = 0)), isTRUE(all.equal(aic_df$df, tab$df, tolerance = 0)))
  list(id = cmp$id, data = cmp$data, factors = I(as.character(unlist(cmp$factors))), family = cmp$family, link = cmp$link,
       formulas = I(cmp$formulas), labels = I(labels), models = models, anova = anovas,
       compare = list(text = printed(tab)))
}

## ------------------------------------------------------------------ main
tojson <- function(x) toJSON(x, auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null",
                             pretty = TRUE)
for (cs in cases) {
  res <- run_case(cs)
  writeLines(tojson(res), file.path(here, paste0(cs$id, ".json")))
  cat(sprintf("%-18s %s\n", cs$id, cs$formula))
}
if (length(COMPARISONS)) {
  res <- lapply(COMPARISONS, run_comparison)
  writeLines(tojson(res), file.path(here, "comparisons.json"))
  for (r in res) cat(sprintf("%-18s %d models\n", r$id, length(r$models)))
}
