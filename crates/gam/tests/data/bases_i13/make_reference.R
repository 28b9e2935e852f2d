# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/bases_i13 && Rscript make_reference.R
# Issue 13 items 3, 5, 6 (first sentence) and 7: select = TRUE, the shrinkage bases
# "ts" and "cs", user knots (cr, cc with its period, ps, tp), m = c(2, 0) for thin
# plate smooths, and thin plate smooths beyond max.knots unique values (mgcv's knot
# sample with R's generator; xt = list(max.knots, seed)).
# The script simulates the data (CSV, read back from disk for every fit), fits each
# case with gam(method = "REML") and writes <id>.json (numbers as strings,
# sprintf("%.17g"), as in ../criteria/). Deterministic: a rerun gives identical files.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) if (is.numeric(v)) sprintf(paste0("%.", digits, "g"), v) else as.character(v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
f0 <- function(x) 2 * sin(pi * x)
f1 <- function(x) exp(2 * x)
f2 <- function(x) 0.2 * x^11 * (10 * (1 - x))^6 + 10 * (10 * x)^3 * (1 - x)^10

## ---------------------------------------------------------------- data
set.seed(13001); n <- 300
x0 <- runif(n); x1 <- runif(n); x2 <- runif(n); x3 <- runif(n); x4 <- runif(n)
fac <- factor(sample(c("a", "b", "c"), n, replace = TRUE))
y <- f0(x0) + f1(x1) / 2 + f2(x2) / 4 + 0.5 * sin(2 * pi * x3) + rnorm(n, sd = 0.8)
write_num_csv(data.frame(y, x0, x1, x2, x3, x4, fac), "gauss_n300.csv")

set.seed(13002); n <- 300
x0 <- runif(n); x1 <- runif(n); x2 <- runif(n)
y <- rpois(n, exp((f0(x0) + f1(x1)) / 3))
write_num_csv(data.frame(y, x0, x1, x2), "pois_n300.csv")

set.seed(13003); n <- 240
hour <- runif(n, 0.5, 23.5); x <- runif(n, 0.2, 0.9)
y <- 2 * cos(2 * pi * hour / 24) + sin(4 * pi * hour / 24) + f0(x) + rnorm(n, sd = 0.6)
write_num_csv(data.frame(y, hour, x), "knots_n240.csv")
write_num_csv(data.frame(hour = c(0, 0.25, 6, 12.3, 23.9, 24, 25.5, -1), x = c(0.2, 0.3, 0.5, 0.55, 0.7, 0.9, 0.85, 0.25)),
              "knots_new.csv")

set.seed(13004); n <- 3000
x0 <- runif(n); x1 <- runif(n)
y <- f0(x0) + f1(x1) / 2 + rnorm(n, sd = 1)
write_num_csv(data.frame(y, x0, x1), "large_n3000.csv")
set.seed(13005); n <- 1000
x0 <- runif(n); x1 <- runif(n)
y <- f0(x0) + rnorm(n, sd = 0.5)
write_num_csv(data.frame(y, x0, x1), "mid_n1000.csv")

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "tp_drop_null", data = "gauss_n300.csv", formula = "y ~ s(x0, m = c(2, 0)) + s(x1)"),
  list(id = "tp_drop_null_by", data = "gauss_n300.csv", formula = "y ~ fac + s(x0, m = c(2, 0), by = fac) + s(x2, k = 12, m = c(2, 0))"),
  list(id = "ts", data = "gauss_n300.csv", formula = "y ~ s(x0, bs = \"ts\") + s(x2, bs = \"ts\") + s(x4, bs = \"ts\")"),
  # "cs": LAPACK orders the two rounding-level null eigenvalues by the sign of rounding
  # errors (see cs_first_zero below and the README); in cs_same_order it puts the null
  # direction vanishing at the first knot first, as the engine does, in cs the other way.
  list(id = "cs", data = "gauss_n300.csv", formula = "y ~ s(x0, bs = \"cs\") + s(x4, bs = \"cs\")"),
  list(id = "cs_same_order", data = "gauss_n300.csv", formula = "y ~ s(x0, bs = \"cs\", k = 8) + s(x3, bs = \"cs\", k = 8)"),
  list(id = "select", data = "gauss_n300.csv", formula = "y ~ s(x0) + s(x1, bs = \"cr\") + s(x4)", select = TRUE),
  list(id = "select_mixed", data = "gauss_n300.csv", select = TRUE,
       formula = "y ~ fac + s(x0, by = fac) + te(x1, x2) + s(x3, bs = \"cc\") + s(x4, k = 5, fx = TRUE)"),
  list(id = "select_pois", data = "pois_n300.csv", formula = "y ~ s(x0) + s(x1) + s(x2)", select = TRUE,
       family = "poisson"),
  list(id = "ts_pois", data = "pois_n300.csv", formula = "y ~ s(x0, bs = \"ts\") + s(x2, bs = \"ts\")",
       family = "poisson"),
  list(id = "knots_cr", data = "knots_n240.csv", formula = "y ~ s(x, bs = \"cr\", k = 6)",
       knots = list(x = c(0.2, 0.3, 0.45, 0.6, 0.8, 0.9)), newdata = "knots_new.csv"),
  list(id = "knots_cc_period", data = "knots_n240.csv", formula = "y ~ s(hour, bs = \"cc\", k = 8) + s(x)",
       knots = list(hour = c(0, 24)), newdata = "knots_new.csv"),
  list(id = "knots_cc_full", data = "knots_n240.csv", formula = "y ~ s(hour, bs = \"cc\", k = 6)",
       knots = list(hour = c(0, 4, 9, 13, 18, 24)), newdata = "knots_new.csv"),
  list(id = "knots_ps_ends", data = "knots_n240.csv", formula = "y ~ s(x, bs = \"ps\", k = 8)",
       knots = list(x = c(0, 1)), newdata = "knots_new.csv"),
  list(id = "knots_ps_full", data = "knots_n240.csv", formula = "y ~ s(x, bs = \"ps\", k = 6)",
       knots = list(x = seq(-0.9, 2.0, length = 10)), newdata = "knots_new.csv"),
  list(id = "knots_tp", data = "knots_n240.csv", formula = "y ~ s(hour, x, k = 12)",
       knots = list(hour = seq(1, 23, length = 20), x = rep(c(0.25, 0.45, 0.65, 0.85), 5)), newdata = "knots_new.csv"),
  list(id = "tp_n3000", data = "large_n3000.csv", formula = "y ~ s(x0) + s(x1)"),
  list(id = "tp2_n3000", data = "large_n3000.csv", formula = "y ~ s(x0, x1)"),
  list(id = "tp_xt", data = "mid_n1000.csv", formula = "y ~ s(x0, xt = list(max.knots = 300, seed = 7)) + s(x1, k = 20, xt = list(max.knots = 400))")
)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
for (cs in cases) {
  d <- read.csv(cs$data, stringsAsFactors = TRUE)
  fam <- if (is.null(cs$family)) gaussian() else get(cs$family)()
  sel <- isTRUE(cs$select)
  warns <- character(0)
  b <- withCallingHandlers(
    gam(as.formula(cs$formula), family = fam, data = d, method = "REML", select = sel, knots = cs$knots),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  pred <- NULL
  if (!is.null(cs$newdata)) {
    nd <- read.csv(cs$newdata)
    pred <- num(predict(b, nd))
  }
  # For cs: which of LAPACK's two null-space eigenvectors got 0.1 (the one
  # vanishing at the first knot is what the engine assumes).
  cs_first_zero <- NULL
  for (s in b$smooth) if (inherits(s, "cs.smooth")) {
    raw <- smooth.construct(s(x, bs = "cr", k = s$bs.dim), data.frame(x = d[[s$term]]), NULL)
    S <- raw$S[[1]]; es <- eigen((S + t(S)) / 2, symmetric = TRUE)
    cs_first_zero <- c(cs_first_zero, abs(es$vectors[1, s$bs.dim - 1]) < 1e-12)
  }
  lp <- as.numeric(b$linear.predictors)
  out <- list(
    id = cs$id, data = paste0("bases_i13/", cs$data), formula = cs$formula,
    family = b$family$family, link = b$family$link, select = sel,
    knots = if (is.null(cs$knots)) NULL else lapply(cs$knots, num),
    newdata = if (is.null(cs$newdata)) NULL else paste0("bases_i13/", cs$newdata),
    criterion = num(b$gcv.ubre), n = num(nrow(b$model)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, class = class(s)[1], edf = num(sum(b$edf[s$first.para:s$last.para])),
           null_space_dim = num(s$null.space.dim))
    }),
    sp_names = names(b$sp), sp = num(b$sp),
    coefficients = list(names = names(coef(b)), values = num(coef(b))),
    linear_predictor = num(lp[seq_len(min(300, length(lp)))]),
    sd_y = num(sd(b$y)), sd_lp = num(sd(lp)),
    predict = pred,
    cs_first_zero = cs_first_zero,
    summary_text = capture.output(print(summary(b))),
    warnings = warns
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"), paste0(cs$id, ".json"))
  cat(sprintf("%-18s crit=%-20s edf=%s%s%s\n", cs$id, sprintf("%.12g", b$gcv.ubre),
              paste(sprintf("%.3f", sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))), collapse = ","),
              if (length(cs_first_zero)) paste0(" cs_first_zero=", paste(cs_first_zero, collapse = ",")) else "",
              if (length(warns)) paste0(" WARN: ", paste(unique(warns), collapse = " | ")) else ""))
}
