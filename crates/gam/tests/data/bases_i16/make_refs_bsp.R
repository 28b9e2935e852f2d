# How the bsp_* references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/bases_i16 && Rscript make_refs_bsp.R
# Issue 16, special bases "cp" (cyclic P-splines), "bs" (B-splines with derivative
# penalties) and "ad" (adaptive smooths, 1-D). Two kinds of file:
#   bsp_basis_<id>.json: smoothCon(spec, data, absorb.cons = TRUE, scale.penalty = TRUE)[[1]]'s
#     X and every S, PredictMat at new points (also outside the data, where cp wraps and
#     bs/ps continue linearly), class, null.space.dim, rank;
#   bsp_fit_<id>.json: gam(method = "REML") as in ../bases_i13/make_reference.R, plus
#     predictions with standard errors on new data and the fit time (median of 5).
# Data are simulated here, written as CSV and read back. Deterministic except the timings.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) if (is.numeric(v)) sprintf(paste0("%.", digits, "g"), v) else as.character(v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
num <- function(v) I(sprintf("%.17g", as.numeric(v)))
mat <- function(m) { m <- as.matrix(m); lapply(seq_len(nrow(m)), function(i) num(m[i, ])) }

## ---------------------------------------------------------------- data
set.seed(16101); n <- 300
x0 <- runif(n); x1 <- runif(n); x2 <- runif(n)
hour <- runif(n, 0, 24)
fac <- factor(sample(c("a", "b", "c"), n, replace = TRUE))
f <- 2 * cos(2 * pi * hour / 24) + sin(4 * pi * hour / 24) + 2 * sin(pi * x0) + exp(2 * x1) / 3 +
  0.3 * x2 * (x2 > 0.5) * 10
y <- f + rnorm(n, sd = 0.7)
write_num_csv(data.frame(y, x0, x1, x2, hour, fac), "bsp_gauss_n300.csv")
set.seed(16102); n <- 300
x0 <- runif(n); x1 <- runif(n); hour <- runif(n, 0, 24)
y <- rpois(n, exp((cos(2 * pi * hour / 24) + sin(pi * x0) + x1) / 1.5))
write_num_csv(data.frame(y, x0, x1, hour), "bsp_pois_n300.csv")
# adaptive: a function whose wiggliness changes along x
set.seed(16103); n <- 400
x <- sort(runif(n))
y <- sin(2 / (x + 0.1)) + rnorm(n, sd = 0.25)
write_num_csv(data.frame(y, x), "bsp_adapt_n400.csv")
write_num_csv(data.frame(x0 = c(-0.2, 0, 0.001, 0.3, 0.77, 1, 1.4), x1 = c(0.5, 0.1, 0.9, 0.3, 1.2, -0.1, 0.6),
                         x2 = c(0.1, 0.2, 0.5, 0.55, 0.9, 0.99, 0.4),
                         hour = c(-30, -1, 0, 6.5, 23.99, 24, 49), fac = c("a", "b", "c", "a", "b", "c", "a"),
                         x = c(0.05, 0.2, 0.5, 0.9, 1.02, -0.05, 0.33)),
              "bsp_new.csv")

g <- read.csv("bsp_gauss_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("bsp_new.csv", stringsAsFactors = TRUE)
ad <- read.csv("bsp_adapt_n400.csv")

## ---------------------------------------------------------------- bases
basis_case <- function(id, spec, data, newx, knots = NULL) {
  sm <- smoothCon(spec, data = data, knots = knots, absorb.cons = TRUE, scale.penalty = TRUE)[[1]]
  nd <- data.frame(newx); names(nd) <- sm$term
  Xp <- PredictMat(sm, nd)
  out <- list(id = id, term = sm$term, class = class(sm)[1], x = num(data[[sm$term]]), newx = num(newx),
              knots = if (is.null(knots)) NULL else lapply(knots, num),
              X = mat(sm$X), S = lapply(sm$S, mat), Xp = mat(Xp),
              null_space_dim = sm$null.space.dim, rank = sm$rank)
  writeLines(toJSON(out, auto_unbox = TRUE, null = "null"), paste0("bsp_basis_", id, ".json"))
  cat(sprintf("%-22s %s ncol=%d S=%d rank=%s\n", id, class(sm)[1], ncol(sm$X), length(sm$S), paste(sm$rank, collapse = ",")))
}
new_h <- c(-30, -24, -1, 0, 0.5, 6.5, 12, 23.99, 24, 25, 49, 100)
new_x <- c(-0.3, -0.01, 0, 0.001, 0.25, 0.5, 0.75, 0.999, 1, 1.02, 1.5)
basis_case("cp_default", s(hour, bs = "cp"), g, new_h)
basis_case("cp_k8_m31", s(hour, bs = "cp", k = 8, m = c(3, 1)), g, new_h)
basis_case("cp_m0", s(x0, bs = "cp", k = 6, m = c(1, 0)), g, new_x)
basis_case("cp_knots_period", s(hour, bs = "cp", k = 12), g, new_h, knots = list(hour = c(0, 24)))
basis_case("cp_knots_full", s(hour, bs = "cp", k = 6), g, new_h, knots = list(hour = c(0, 3, 8, 12, 16, 20, 24)))
basis_case("bs_default", s(x1, bs = "bs"), g, new_x)
basis_case("bs_m321", s(x1, bs = "bs", m = c(3, 2, 1), k = 12), g, new_x)
basis_case("bs_m20", s(x1, bs = "bs", m = c(2, 0), k = 7), g, new_x)
basis_case("bs_m33", s(x1, bs = "bs", m = c(3, 3), k = 9), g, new_x)
basis_case("bs_m1", s(x1, bs = "bs", m = 1, k = 8), g, new_x)
basis_case("bs_m5420", s(x1, bs = "bs", m = c(5, 4, 2, 0), k = 14), g, new_x)
basis_case("bs_knots_ends", s(x1, bs = "bs", k = 8), g, new_x, knots = list(x1 = c(-0.1, 1.1)))
# four knots: prediction limits outside, data limits inside the data's range, so that every
# B-spline has data (with an empty column mgcv constrains only the non-empty ones: the same
# function space, other coefficients)
basis_case("bs_knots_four", s(x1, bs = "bs", k = 10), g, new_x, knots = list(x1 = c(-0.2, 0.05, 0.95, 1.2)))
basis_case("ad_default", s(x, bs = "ad"), ad, new_x)
basis_case("ad_m3_k20", s(x, bs = "ad", k = 20, m = 3), ad, new_x)
basis_case("ad_m2", s(x, bs = "ad", k = 15, m = 2), ad, new_x)
basis_case("ad_cc", s(x, bs = "ad", k = 20, m = 4, xt = list(bs = "cc")), ad, new_x)
basis_case("ad_cp", s(x, bs = "ad", k = 20, xt = list(bs = "cp")), ad, new_x)
basis_case("ad_cr", s(x, bs = "ad", k = 20, m = 4, xt = list(bs = "cr")), ad, new_x)

## ---------------------------------------------------------------- fits
cases <- list(
  list(id = "cp_bs_gauss", data = "bsp_gauss_n300.csv",
       formula = "y ~ s(hour, bs = \"cp\") + s(x0, bs = \"bs\") + s(x1, bs = \"bs\", m = c(3, 2, 1), k = 12) + s(x2, bs = \"bs\", m = c(2, 0), k = 8)"),
  list(id = "cp_bs_pois", data = "bsp_pois_n300.csv", family = "poisson",
       formula = "y ~ s(hour, bs = \"cp\", k = 12, m = c(3, 1)) + s(x0, bs = \"bs\") + s(x1, bs = \"bs\", m = 2)"),
  list(id = "bs_by_te", data = "bsp_gauss_n300.csv",
       formula = "y ~ fac + s(x0, bs = \"bs\", by = fac, k = 8) + te(hour, x1, bs = c(\"cp\", \"bs\"), k = c(8, 6))"),
  list(id = "cp_knots", data = "bsp_gauss_n300.csv", knots = list(hour = c(0, 24)),
       formula = "y ~ s(hour, bs = \"cp\", k = 12) + s(x1, bs = \"bs\", k = 8)"),
  list(id = "ad_gauss", data = "bsp_adapt_n400.csv", formula = "y ~ s(x, bs = \"ad\")"),
  list(id = "ad_pois", data = "bsp_pois_n300.csv", family = "poisson",
       formula = "y ~ s(hour, bs = \"ad\", k = 20, m = 3, xt = list(bs = \"cp\")) + s(x0, bs = \"bs\")")
)
for (cs in cases) {
  d <- read.csv(cs$data, stringsAsFactors = TRUE)
  fam <- if (is.null(cs$family)) gaussian() else get(cs$family)()
  warns <- character(0)
  fitit <- function() withCallingHandlers(
    gam(as.formula(cs$formula), family = fam, data = d, method = "REML", knots = cs$knots),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  b <- fitit()
  times <- sapply(1:5, function(i) system.time(fitit())[["elapsed"]])
  newd <- nd[, intersect(names(nd), names(d)), drop = FALSE]
  pr <- predict(b, newd, se.fit = TRUE)
  lp <- as.numeric(b$linear.predictors)
  st <- summary(b)
  pdf(NULL); pl <- plot(b, pages = 0, seWithMean = FALSE); dev.off()
  plots <- lapply(pl, function(q) if (is.null(q[["fit"]]) || !is.null(q[["y"]])) NULL else
    list(x = num(q$x), fit = num(q$fit), se = num(q$se)))
  out <- list(
    id = cs$id, data = paste0("bases_i16/", cs$data), formula = cs$formula,
    family = b$family$family, link = b$family$link,
    knots = if (is.null(cs$knots)) NULL else lapply(cs$knots, num),
    newdata = "bases_i16/bsp_new.csv",
    criterion = num(b$gcv.ubre),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, class = class(s)[1], edf = num(sum(b$edf[s$first.para:s$last.para])),
           null_space_dim = num(s$null.space.dim))
    }),
    sp_names = names(b$sp), sp = num(b$sp),
    coefficients = list(names = names(coef(b)), values = num(coef(b))),
    linear_predictor = num(lp), sd_y = num(sd(b$y)), sd_lp = num(sd(lp)),
    predict = num(pr$fit), predict_se = num(pr$se.fit),
    s_table = list(edf = num(st$s.table[, 1]), stat = num(st$s.table[, 3]), p = num(st$s.table[, 4])),
    plots = plots,
    mgcv_seconds = num(median(times)),
    warnings = warns
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"), paste0("bsp_fit_", cs$id, ".json"))
  cat(sprintf("%-12s crit=%-20s edf=%s t=%.3fs%s\n", cs$id, sprintf("%.12g", b$gcv.ubre),
              paste(sprintf("%.3f", sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))), collapse = ","),
              median(times), if (length(warns)) paste0(" WARN: ", paste(unique(warns), collapse = " | ")) else ""))
}
