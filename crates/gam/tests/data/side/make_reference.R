# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/side && Rscript make_reference.R
# Issue 13 item 6: nested smooths made identifiable by mgcv's gam.side (columns of
# the higher-dimensional smooth deleted), and models that mgcv fits only through
# the rank handling of its penalised least squares (which we refuse, naming terms).
# Writes side_n300.csv (training data), side_new.csv (new data for predictions)
# and one <id>.json per model (numbers as strings, sprintf("%.17g")).
# Deterministic: a second run gives identical files.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_csv <- function(d, file) {
  out <- as.data.frame(lapply(d, function(v)
    if (is.numeric(v)) sprintf("%.15g", v) else as.character(v)), stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

set.seed(20261213)
n <- 300
x0 <- runif(n); x1 <- runif(n)
fac <- sample(c("a", "b", "c"), n, replace = TRUE)
eta <- sin(2 * pi * x0) + 2 * x1 * x0 + (match(fac, c("a", "b", "c")) - 2) * 0.5
y <- eta + rnorm(n, sd = 0.3)
yc <- rpois(n, exp(0.5 + 0.7 * eta))
m <- 50
new <- data.frame(x0 = runif(m), x1 = runif(m), fac = sample(c("a", "b", "c"), m, TRUE))
# x2 (no effect on y) is drawn last, so that the other columns are as before it was added.
x2 <- runif(n)
new$x2 <- runif(m)
write_csv(data.frame(y = y, yc = yc, x0 = x0, x1 = x1, fac = fac, x2 = x2), "side_n300.csv")
write_csv(new, "side_new.csv")

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
d <- read.csv("side_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("side_new.csv", stringsAsFactors = TRUE)

# Models gam.side makes identifiable: full references.
fits <- list(
  list(id = "s_s_te", formula = "y ~ s(x0) + s(x1) + te(x0, x1)", family = gaussian()),
  list(id = "s_s_tp2", formula = "y ~ s(x0) + s(x1) + s(x0, x1)", family = gaussian()),
  list(id = "te_s", formula = "y ~ te(x0, x1) + s(x0)", family = gaussian()),
  list(id = "s_te", formula = "y ~ s(x0) + te(x0, x1)", family = gaussian()),
  list(id = "cr_cr_te", formula = "y ~ fac + s(x0, bs = \"cr\") + s(x1, bs = \"cr\") + te(x0, x1)",
       family = gaussian()),
  list(id = "s_s_ti", formula = "y ~ s(x0) + s(x1) + ti(x0, x1)", family = gaussian()),
  list(id = "fac_by", formula = "y ~ fac + s(x0, by = fac)", family = gaussian()),
  list(id = "tp2_te", formula = "y ~ s(x0, x1) + te(x0, x1)", family = gaussian()),
  list(id = "by_te", formula = "y ~ fac + s(x0, by = fac) + te(x0, x1, by = fac)", family = gaussian()),
  list(id = "s3_te3", formula = "y ~ s(x0) + s(x1) + s(x2) + te(x0, x1, x2, k = 4)", family = gaussian()),
  list(id = "s_te_te3", formula = "y ~ s(x0) + te(x0, x1) + te(x0, x1, x2, k = 4)", family = gaussian()),
  list(id = "nointercept", formula = "y ~ 0 + fac + s(x0) + te(x0, x1)", family = gaussian()),
  list(id = "pois_s_s_te", formula = "yc ~ s(x0) + s(x1) + te(x0, x1)", family = poisson())
)
for (f in fits) {
  b <- gam(as.formula(f$formula), family = f$family, data = d, method = "REML")
  pr <- predict(b, nd, type = "link")
  st <- summary(b)$s.table
  out <- list(
    id = f$id, data = "side/side_n300.csv", newdata = "side/side_new.csv",
    formula = f$formula, family = b$family$family, link = b$family$link,
    criterion = num(b$gcv.ubre), edf_total = num(sum(b$edf)), scale = num(b$sig2),
    smooths = lapply(b$smooth, function(s) list(
      label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])),
      n_coef = s$last.para - s$first.para + 1,
      # gam.side's deleted columns (1-based, in the order fixDependence found them)
      del_index = I(as.integer(if (is.null(attr(s, "del.index"))) integer(0) else attr(s, "del.index"))),
      n_penalties = length(s$S), null_space_dim = s$null.space.dim)),
    sp = num(b$sp),
    # summary(b)$s.table: edf, Ref.df, F (or Chi.sq), p-value per smooth
    s_table = lapply(seq_len(nrow(st)), function(i) list(label = rownames(st)[i],
      edf = num(st[i, 1]), ref_df = num(st[i, 2]), stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    coefficients = list(names = names(coef(b)), values = num(coef(b))),
    linear_predictor = num(b$linear.predictors),
    fitted = num(fitted(b)),
    predict_link = num(pr)
  )
  write(toJSON(out, auto_unbox = TRUE, pretty = TRUE, digits = NA), paste0(f$id, ".json"))
  cat(sprintf("%-12s %-60s crit %.10g edf %.4f p %d del %s\n", f$id, f$formula, b$gcv.ubre,
              sum(b$edf), length(coef(b)),
              paste(sapply(b$smooth, function(s) paste(attr(s, "del.index"), collapse = " ")),
                    collapse = " | ")))
}

# Models gam.side leaves alone but that are not identifiable: mgcv fits them only
# through the rank handling of its penalised least squares (a coefficient that
# the data cannot determine is dropped, reported as 0 with EDF 0, or a rotated
# direction is). The engine does the same (tests: side_fidelity.rs, and the
# nullspace references in ../nullspace for the full comparison).
rankdef <- list(
  list(id = "rankdef_x_s", formula = "y ~ s(x0) + x0"),
  list(id = "rankdef_x_cr", formula = "y ~ x0 + s(x0, bs = \"cr\")"),
  list(id = "rankdef_by_s", formula = "y ~ fac + s(x0, by = fac) + s(x0)")
)
for (f in rankdef) {
  b <- gam(as.formula(f$formula), data = d, method = "REML")
  X <- predict(b, type = "lpmatrix")
  out <- list(id = f$id, formula = f$formula, n_coef = length(coef(b)),
              rank_of_model_matrix = qr(X)$rank,
              del_index = lapply(b$smooth, function(s) I(as.integer(attr(s, "del.index")))),
              zero_coefficients = I(names(coef(b))[coef(b) == 0]),
              criterion = num(b$gcv.ubre))
  write(toJSON(out, auto_unbox = TRUE, pretty = TRUE, digits = NA), paste0(f$id, ".json"))
  cat(sprintf("%-12s %-40s p %d rank(X) %d zero coefs: %s\n", f$id, f$formula, length(coef(b)),
              qr(X)$rank, paste(out$zero_coefficients, collapse = " ")))
}

# A model mgcv cannot fit: s(x0, x1, k = 3) (k raised to 4) keeps one column beside
# te(x0, x1), and gam.side's 1 x 1 penalty loses its matrix shape (an error in
# norm()). We refuse it, naming the terms; the error is recorded here.
f <- "y ~ te(x0, x1) + s(x0, x1, k = 3)"
msg <- tryCatch({ suppressWarnings(gam(as.formula(f), data = d, method = "REML")); "no error" },
                error = function(e) conditionMessage(e))
write(toJSON(list(id = "mgcv_error_one_column", formula = f, mgcv_error = msg), auto_unbox = TRUE,
             pretty = TRUE), "mgcv_error_one_column.json")
cat(sprintf("%-12s %-40s mgcv: %s\n", "mgcv_error_one_column", f, msg))
