# ref_common.R -- what the reference scripts beside the tests share: reading a bench case's data
# as bench/mgcv_ref.R reads it, its family, and writing R's doubles exactly as JSON.
# Sourced by <dir>/<name>_ref.R after it sets `bench` (the bench directory), and by
# {id,tensor_d,mrf}/make_reference.R for the setup-and-fit loop at the end.

## ------------------------------------------------------------------ as in bench/mgcv_ref.R
make_factor <- function(x) {
  x <- as.character(x)
  lv <- unique(x)
  nm <- suppressWarnings(as.numeric(lv))
  lv <- if (!anyNA(nm)) lv[order(nm)] else sort(lv, method = "radix")
  factor(x, levels = lv)
}

load_case_data <- function(cs) {
  d <- read.csv(file.path(bench, cs$data), stringsAsFactors = FALSE, check.names = FALSE)
  for (f in unlist(cs$factors)) d[[f]] <- make_factor(d[[f]])
  d
}

make_family <- function(cs) {
  switch(cs$family,
         gaussian = gaussian(link = cs$link),
         binomial = binomial(link = cs$link),
         poisson  = poisson(link = cs$link),
         Gamma    = Gamma(link = cs$link),
         stop("unknown family ", cs$family))
}

## ------------------------------------------------------------------ JSON helpers
# numbers as verbatim JSON: the shortest of %.15g, %.16g, %.17g that reads back as the same double
# (checked with jsonlite's parser, i.e. the C library's strtod); NA/NaN/Inf -> null
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
jarr <- function(x) {                        # always an array (NULL stays NULL -> null)
  if (is.null(x)) return(NULL)
  structure(paste0("[", paste(jnum_strings(x), collapse = ","), "]"), class = "json")
}
jscal <- function(x) {                       # a single number
  if (is.null(x)) return(NULL)
  stopifnot(length(x) == 1)
  structure(jnum_strings(x), class = "json")
}
opt <- function(x) if (is.null(x)) NULL else x
raw_json <- function(r) {
  if (is.null(r)) return(NULL)
  if (is.data.frame(r)) return(list(x = jarr(r[["x"]]), y = jarr(r[["y"]])))   # 2-D: plot.mgcv.smooth names them x, y
  if (is.factor(r) || is.character(r)) return(I(as.character(r)))    # random effect: the factor column
  jarr(r)
}


## ------------------------------------------------------------------ setup-and-fit references
# What <dir>/make_reference.R (id, tensor_d, mrf) share: the data written as CSV, numbers as
# "%.17g" strings, and the loop that writes one <case>.json per model with mgcv's setup
# (gam(..., fit = FALSE): G$X, G$S at G$off, G$L) and its REML fit (score, sp, full.sp, EDF per
# smooth, fitted values, predictions with standard errors on new data, mean fit time).
# Sourced by them as source("../ref_common.R"); they need no `bench`.
write_csv <- function(d, file) {
  out <- as.data.frame(lapply(d, function(v)
    if (is.numeric(v)) sprintf("%.15g", v) else as.character(v)), stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
num <- function(v) I(sprintf("%.17g", as.numeric(v)))

# cases: lists of id, formula (the text our engine reads; also fitted unless `r` gives R's own
# formula object), family; d / nd: training and new data; data / newdata: their paths as the
# JSON names them; reps: fits timed for mgcv_seconds; knots: gam()'s knots; extra(b): further
# fields, written after `labels`.
write_setup_fit_refs <- function(cases, d, nd, data, newdata, reps, knots = NULL, extra = NULL) {
  for (cs in cases) {
    f <- if (is.null(cs$r)) as.formula(cs$formula) else cs$r
    G <- gam(f, family = cs$family, data = d, knots = knots, method = "REML", fit = FALSE)
    b <- gam(f, family = cs$family, data = d, knots = knots, method = "REML")
    pr <- predict(b, nd, type = "link", se.fit = TRUE)
    t0 <- proc.time()[["elapsed"]]
    for (r in seq_len(reps)) gam(f, family = cs$family, data = d, knots = knots, method = "REML")
    secs <- (proc.time()[["elapsed"]] - t0) / reps
    full_sp <- if (is.null(b$full.sp)) b$sp else b$full.sp
    out <- list(
      id = cs$id, data = data, newdata = newdata,
      formula = cs$formula, family = b$family$family, link = b$family$link,
      n_coef = ncol(G$X), X = num(t(G$X)),
      S = lapply(seq_along(G$S), function(i) list(off = G$off[i], dim = ncol(G$S[[i]]), S = num(G$S[[i]]))),
      L = if (is.null(G$L)) NULL else list(nrow = nrow(G$L), ncol = ncol(G$L), L = num(G$L)),
      coef_names = names(coef(b)),
      reml = num(b$gcv.ubre), sp = num(b$sp), full_sp = num(full_sp),
      full_sp_names = names(full_sp),
      edf = num(sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))),
      labels = sapply(b$smooth, function(s) s$label)
    )
    if (!is.null(extra)) out <- c(out, extra(b))
    out <- c(out, list(
      fitted = num(b$fitted.values),
      pred = num(pr$fit), pred_se = num(pr$se.fit),
      mgcv_seconds = num(secs)
    ))
    writeLines(toJSON(out, auto_unbox = TRUE, pretty = FALSE, digits = NA), paste0(cs$id, ".json"))
    cat(cs$id, ": p =", ncol(G$X), " sp =", format(b$sp, digits = 4), " reml =", format(b$gcv.ubre, digits = 10), "\n")
  }
}
