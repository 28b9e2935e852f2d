# References for the Gaussian process (bs = "gp") and Duchon spline (bs = "ds") smooths of
# issue 16 (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/bases_i16 && Rscript make_refs_gpds.R
# Writes gpds_data.csv, gpds_new.csv, gpds_big.csv (seeded simulations) and
#  - basis_<id>.json: smoothCon(spec, data, absorb.cons = TRUE, scale.penalty = TRUE)[[1]]'s
#    X (first 120 rows) and S[[1]], PredictMat at gpds_new.csv, and the raw basis
#    (absorb.cons = FALSE, scale.penalty = FALSE): X (first 120 rows), S, shift, number of
#    knots, gp.defn / p.order;
#  - fit_<id>.json: gam(method = "REML") criterion, EDFs, coefficients, linear predictor,
#    predictions with standard errors at gpds_new.csv (the first 8 rows for gpds_big.csv),
#    summary's s.table, plot.gam's data (n = 100, n2 = 40, too.far = 0.1, seWithMean = FALSE)
#    (mgcv's fit times: time_gpds.R, run interleaved with the engine's timing test.)
# Numbers as "%.17g" strings. Deterministic: a rerun gives identical files.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file) {
  out <- as.data.frame(lapply(d, function(v) if (is.numeric(v)) sprintf("%.17g", v) else as.character(v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
num <- function(v) { v <- as.numeric(v); I(ifelse(is.na(v), "NaN", sprintf("%.17g", v))) }
mat <- function(m) { m <- as.matrix(m); lapply(seq_len(nrow(m)), function(i) num(m[i, ])) }

## ---------------------------------------------------------------- data
set.seed(16061); n <- 240
x <- runif(n); z <- runif(n); w <- runif(n)
fac <- factor(sample(c("a", "b", "c"), n, replace = TRUE))
x[c(7, 8)] <- x[3]; z[8] <- z[3]           # ties: a repeated x, a repeated (x, z) row
f <- sin(2 * pi * x) + exp(z) * cos(3 * z) + 0.5 * (w - 0.5)^2
y <- f + rnorm(n, sd = 0.4)
yp <- rpois(n, exp(f / 2))
write_num_csv(data.frame(y, yp, x, z, w, fac), "gpds_data.csv")
newd <- data.frame(x = c(-0.2, 0, 0.13, 0.5, x[3], 0.77, 1, 1.3),
                   z = c(0.5, -0.1, 0.9, 0.5, z[3], 1.2, 0.05, 0.4),
                   w = c(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
                   fac = factor(c("a", "b", "c", "a", "b", "c", "a", "b"), levels = levels(fac)))
write_num_csv(newd, "gpds_new.csv")
set.seed(16062); n2 <- 500
big <- data.frame(x = runif(n2), z = runif(n2))
big$y <- sin(2 * pi * big$x) * big$z + rnorm(n2, sd = 0.3)
write_num_csv(big, "gpds_big.csv")

d <- read.csv("gpds_data.csv", stringsAsFactors = TRUE)
nd <- read.csv("gpds_new.csv", stringsAsFactors = TRUE)
nd$fac <- factor(nd$fac, levels = levels(d$fac))
db <- read.csv("gpds_big.csv")

## ---------------------------------------------------------------- bases
# Irregular knots: on a regular grid the kernel matrix has repeated eigenvalues, whose
# eigenvectors Lanczos finds only through rounding errors (mgcv's basis is then arbitrary).
set.seed(16063); ds_knots_x <- runif(25); ds_knots_z <- runif(25)
ROWS <- 120  # model matrix rows written (of 240 or 500): enough to compare, small files
bases <- list(
  list(id = "gp_default", text = "s(x, bs = \"gp\")"),
  list(id = "gp_sph", text = "s(x, bs = \"gp\", k = 12, m = c(1, 0.5))"),
  list(id = "gp_sph_default_range", text = "s(x, bs = \"gp\", k = 10, m = 1)"),
  list(id = "gp_pexp", text = "s(x, bs = \"gp\", k = 12, m = c(2, 0.3, 1.5))"),
  list(id = "gp_pexp_k1", text = "s(x, bs = \"gp\", k = 12, m = c(2, 0.25))"),
  list(id = "gp_m15", text = "s(x, bs = \"gp\", k = 12, m = c(3, 0.2))"),
  list(id = "gp_m25", text = "s(x, bs = \"gp\", k = 12, m = c(4, 0.3))"),
  list(id = "gp_m35", text = "s(x, bs = \"gp\", k = 12, m = c(5, 0.4))"),
  list(id = "gp_stationary", text = "s(x, bs = \"gp\", k = 12, m = c(-3, 0.3))"),
  list(id = "gp_2d", text = "s(x, z, bs = \"gp\", k = 25, m = c(4, 0.4))"),
  list(id = "gp_2d_default", text = "s(x, z, bs = \"gp\")"),
  list(id = "gp_2d_stationary", text = "s(x, z, bs = \"gp\", k = 20, m = c(-2, 0.5, 1))"),
  list(id = "gp_big_maxknots", text = "s(x, z, bs = \"gp\", k = 30, xt = list(max.knots = 150, seed = 3))", data = "big"),
  list(id = "gp_big_maxknots_1d", text = "s(x, bs = \"gp\", k = 15, xt = list(max.knots = 120))", data = "big"),
  list(id = "gp_knots", text = "s(x, bs = \"gp\", k = 8, m = c(3, 0.3))", knots = list(x = seq(0.05, 0.95, length = 20))),
  list(id = "ds_knots", text = "s(x, z, bs = \"ds\", k = 12, m = c(1, 0.5))",
       knots = list(x = round(ds_knots_x, 3), z = round(ds_knots_z, 3))),
  list(id = "ds_2d", text = "s(x, z, bs = \"ds\", m = c(1, 0.5), k = 20)"),
  list(id = "ds_2d_default", text = "s(x, z, bs = \"ds\")"),
  list(id = "ds_2d_m2_s05", text = "s(x, z, bs = \"ds\", m = c(2, 0.5), k = 25)"),
  list(id = "ds_1d_tp", text = "s(x, bs = \"ds\", m = c(2, 0), k = 10)"),
  list(id = "ds_1d_clamped", text = "s(x, bs = \"ds\", m = c(1, 0.5), k = 10)"),
  list(id = "ds_3d", text = "s(x, z, w, bs = \"ds\", m = c(2, 0.5), k = 30)"),
  list(id = "ds_big_maxknots", text = "s(x, z, bs = \"ds\", m = c(1, 0.5), k = 30, xt = list(max.knots = 150, seed = 5))", data = "big")
)
for (b in bases) {
  dat <- if (is.null(b$data)) d else db
  warns <- character(0)
  b$spec <- eval(parse(text = b$text))
  sm <- withCallingHandlers(smoothCon(b$spec, data = dat, knots = b$knots, absorb.cons = TRUE, scale.penalty = TRUE)[[1]],
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  raw <- suppressWarnings(smoothCon(b$spec, data = dat, knots = b$knots, absorb.cons = FALSE, scale.penalty = FALSE)[[1]])
  out <- list(
    id = b$id, data = if (is.null(b$data)) "bases_i16/gpds_data.csv" else "bases_i16/gpds_big.csv",
    text = b$text, knots = if (is.null(b$knots)) NULL else lapply(b$knots, num), term = b$spec$term, bs = class(b$spec)[1], k = b$spec$bs.dim, m = if (all(is.na(b$spec$p.order))) NULL else num(b$spec$p.order),
    xt = b$spec$xt, class = class(sm)[1], null_space_dim = sm$null.space.dim, bs_dim = raw$bs.dim,
    X = mat(head(sm$X, ROWS)), S = mat(sm$S[[1]]), Xp = mat(PredictMat(sm, nd)),
    raw_X = mat(head(raw$X, ROWS)), raw_S = mat(raw$S[[1]]), shift = num(raw$shift), n_knots = nrow(raw$knt),
    gp_defn = if (is.null(raw$gp.defn)) NULL else num(raw$gp.defn),
    p_order = num(raw$p.order), warnings = warns
  )
  writeLines(toJSON(out, auto_unbox = TRUE, na = "null", null = "null"), paste0("basis_", b$id, ".json"))
  cat(sprintf("%-22s class=%s k=%d nsd=%d %s\n", b$id, class(sm)[1], raw$bs.dim, sm$null.space.dim,
              paste(unique(warns), collapse = " | ")))
}

## ---------------------------------------------------------------- fits
fits <- list(
  list(id = "gauss", formula = "y ~ s(x, bs = \"gp\", k = 12, m = c(3, 0.2)) + s(z, w, bs = \"ds\", m = c(1, 0.5), k = 20)"),
  list(id = "gauss_types", formula = "y ~ s(x, bs = \"gp\", k = 10, m = c(1, 0.6)) + s(z, bs = \"gp\", k = 10, m = c(2, 0.5, 1.2)) + s(w, bs = \"gp\", k = 8, m = c(-5, 0.5))"),
  list(id = "gauss_by", formula = "y ~ fac + s(x, bs = \"gp\", by = fac, k = 10, m = c(4, 0.3)) + s(z, bs = \"ds\", by = w, m = c(2, 0.5), k = 8)"),
  list(id = "pois", formula = "yp ~ s(x, z, bs = \"gp\", k = 20) + s(w, bs = \"ds\", k = 8)", family = "poisson"),
  list(id = "te_gp", formula = "y ~ te(x, z, bs = c(\"gp\", \"ds\"), k = c(6, 6))"),
  list(id = "big", formula = "y ~ s(x, z, bs = \"gp\", k = 30, xt = list(max.knots = 150, seed = 3))", data = "big")
)
plot_data <- function(b) {
  pdf(NULL); on.exit(dev.off())
  plot(b, n = 100, n2 = 40, too.far = 0.1, pages = 1, seWithMean = FALSE)
}
for (fc in fits) {
  dat <- if (is.null(fc$data)) d else db
  fam <- if (is.null(fc$family)) gaussian() else get(fc$family)()
  warns <- character(0)
  b <- withCallingHandlers(gam(as.formula(fc$formula), family = fam, data = dat, method = "REML"),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  pr <- if (is.null(fc$data)) predict(b, nd, se.fit = TRUE) else predict(b, db[1:8, ], se.fit = TRUE)
  lp <- as.numeric(b$linear.predictors)
  out <- list(
    id = fc$id, data = if (is.null(fc$data)) "bases_i16/gpds_data.csv" else "bases_i16/gpds_big.csv",
    newdata = if (is.null(fc$data)) "bases_i16/gpds_new.csv" else NULL,
    formula = fc$formula, family = b$family$family, link = b$family$link,
    criterion = num(b$gcv.ubre),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, class = class(s)[1], edf = num(sum(b$edf[s$first.para:s$last.para])),
           null_space_dim = s$null.space.dim)
    }),
    sp_names = names(b$sp), sp = num(b$sp),
    coefficients = list(names = names(coef(b)), values = num(coef(b))),
    linear_predictor = num(lp), sd_y = num(sd(b$y)), sd_lp = num(sd(lp)),
    predict = num(pr$fit), predict_se = num(pr$se.fit),
    summary_s_table = lapply(seq_len(nrow(summary(b)$s.table)), function(i) num(summary(b)$s.table[i, ])),
    plot = lapply(plot_data(b), function(p) list(x = num(p[["x"]]), y = if (is.null(p[["y"]])) NULL else num(p[["y"]]),
                                             fit = num(p[["fit"]]), se = num(p[["se"]]))),
    warnings = warns
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"), paste0("fit_", fc$id, ".json"))
  cat(sprintf("%-12s crit=%.12g edf=%s %s\n", fc$id, b$gcv.ubre,
              paste(sprintf("%.3f", sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))), collapse = ","),
              paste(unique(warns), collapse = " | ")))
}
