# How the references in this folder were made (mgcv 1.8-41). Not run in CI:
#   cd crates/gam/tests/data/i16_matrix && Rscript make_reference.R [class ...]
# Issue 16, item 3: every new smooth class under the criteria and families it
# had not yet been checked with. Each class (`classes` below) is fitted with
# Gaussian ML and GCV.Cp; Poisson ML and GCV.Cp (UBRE); Gamma(log) GACV.Cp
# and P-REML; and
# REML for binomial, Gamma(log), nb, tw and quasipoisson data. Writes
# m16_n400.csv / m16_new.csv and one <class>_<setting>.json per fit in the fit
# layout of tests/common/setup_ref.rs::check_fit (criterion, smooths with
# class, null space and EDF, sp and coefficient names, the linear predictor,
# predictions with standard errors on new data), plus the family parameter
# (nb's theta, tw's p) and mgcv's fit time.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")
source("../ref_common.R") # write_csv, num
source("../fs_canon.R") # mgcv's fs with the engine's null-space basis (see there)

# The MRF neighbourhood of ../mrf (a 4 x 4 grid of areas and an island).
nbn <- fromJSON("../mrf/nb.json", simplifyVector = FALSE)$neighbours
areas <- sort(names(nbn), method = "radix")
nb <- lapply(areas, function(a) match(unlist(nbn[[a]]), areas))
names(nb) <- areas

set.seed(20261209)
make <- function(n) {
  data.frame(x = runif(n), z = runif(n), w = runif(n),
             fac = sample(c("a", "b", "c"), n, TRUE), ofac = sample(c("a", "b", "c"), n, TRUE),
             g = sample(sprintf("g%d", 1:8), n, TRUE),
             area = sample(setdiff(areas, "r4c4"), n, TRUE), stringsAsFactors = FALSE)
}
n <- 400
d <- make(n)
area_eff <- setNames(rnorm(length(areas), sd = 0.5), areas)
g_slope <- setNames(rnorm(8, sd = 0.6), sprintf("g%d", 1:8))
eta <- 0.8 * sin(2 * pi * d$x) + 0.5 * cos(2 * d$z) + 0.3 * d$w +
  c(a = 0, b = 0.4, c = -0.3)[d$fac] * (1 + d$x) + c(a = 0, b = 0.3, c = 0.6)[d$ofac] * d$x +
  area_eff[d$area] + g_slope[d$g] * d$x
d$y <- eta + rnorm(n, sd = 0.3)
d$yc <- rpois(n, exp(0.3 + 0.5 * eta))
d$yb <- rbinom(n, 1, plogis(0.8 * eta))
d$yg <- rgamma(n, shape = 5, rate = 5 / exp(0.3 + 0.4 * eta))
d$yn <- rnbinom(n, mu = exp(0.5 + 0.5 * eta), size = 3)
d$ytw <- rTweedie(exp(0.3 + 0.5 * eta), p = 1.5, phi = 1)
nd <- make(30)
write_csv(d, "m16_n400.csv")
write_csv(nd, "m16_new.csv")

prep <- function(df) {
  df <- read.csv(df, stringsAsFactors = FALSE)
  df$fac <- factor(df$fac); df$g <- factor(df$g)
  df$ofac <- ordered(df$ofac, levels = c("a", "b", "c"))
  df$area <- factor(df$area, levels = areas)
  df
}
d <- prep("m16_n400.csv")
nd <- prep("m16_new.csv")

nbfile <- "xt = \"tests/data/mrf/nb.json\""
classes <- list(
  fs = "s(x, fac, bs = \"fs\", k = 5)",
  sz = "s(x, k = 6) + s(x, fac, bs = \"sz\", k = 5)",
  re2 = "s(x, k = 6) + s(g, x, bs = \"re\")",
  ordby = "ofac + s(x, k = 6) + s(x, by = ofac, k = 6)",
  id = "s(x, k = 6, id = 1) + s(z, k = 6, id = 1)",
  ad = "s(x, bs = \"ad\", k = 15, m = 3)",
  gp = "s(x, z, bs = \"gp\", k = 15)",
  ds = "s(x, z, bs = \"ds\", k = 15)",
  bs = "s(x, bs = \"bs\", m = c(3, 2), k = 8)",
  cp = "s(x, bs = \"cp\", k = 8) + s(z, k = 5)",
  mrf = paste0("s(area, bs = \"mrf\", ", nbfile, ") + s(x, k = 6)"),
  t2 = "t2(x, z, k = 4)",
  ted = "te(x, z, w, d = c(1, 2), k = c(4, 8))",
  ad2 = "s(x, z, bs = \"ad\", k = c(5, 5))"
)
settings <- list(
  gauss_ML = list(resp = "y", family = gaussian(), method = "ML"),
  gauss_GCV = list(resp = "y", family = gaussian(), method = "GCV.Cp"),
  pois_ML = list(resp = "yc", family = poisson(), method = "ML"),
  pois_UBRE = list(resp = "yc", family = poisson(), method = "GCV.Cp"),
  gamma_GACV = list(resp = "yg", family = Gamma(link = "log"), method = "GACV.Cp"),
  gamma_PREML = list(resp = "yg", family = Gamma(link = "log"), method = "P-REML"),
  binom = list(resp = "yb", family = binomial(), method = "REML"),
  gamma = list(resp = "yg", family = Gamma(link = "log"), method = "REML"),
  nb = list(resp = "yn", family = nb(), method = "REML", name = "nb"),
  tw = list(resp = "ytw", family = tw(), method = "REML", name = "tw"),
  quasi = list(resp = "yc", family = quasipoisson(), method = "REML")
)
only <- commandArgs(trailingOnly = TRUE)
if (length(only)) classes <- classes[names(classes) %in% only]

for (cl in names(classes)) for (st in names(settings)) {
  s <- settings[[st]]
  text <- paste(s$resp, "~", classes[[cl]])
  f <- as.formula(sub(nbfile, "xt = list(nb = nb)", text, fixed = TRUE))
  kn <- if (cl == "mrf") list(area = factor(areas, levels = areas)) else NULL
  canon_cov <- d["x"]
  use_nat_param(if (cl == "fs") canon_nat_param else orig_nat_param)
  fit <- function() gam(f, family = s$family, data = d, method = s$method, knots = kn)
  b <- fit()
  reps <- 3
  t0 <- proc.time()[["elapsed"]]
  for (r in seq_len(reps)) fit()
  secs <- (proc.time()[["elapsed"]] - t0) / reps
  pr <- predict(b, nd, se.fit = TRUE)
  lp <- as.numeric(b$linear.predictors)
  theta <- if (st == "nb") b$family$getTheta(TRUE) else if (st == "tw") b$family$getTheta(TRUE) else NULL
  out <- list(
    id = paste0(cl, "_", st), data = "i16_matrix/m16_n400.csv", newdata = "i16_matrix/m16_new.csv",
    formula = text, family = if (is.null(s$name)) b$family$family else s$name, link = b$family$link,
    method = s$method, criterion = num(b$gcv.ubre), scale = num(b$sig2),
    theta = if (is.null(theta)) NULL else num(theta),
    smooths = lapply(seq_along(b$smooth), function(i) {
      sm <- b$smooth[[i]]
      list(label = sm$label, class = class(sm)[1], edf = num(sum(b$edf[sm$first.para:sm$last.para])),
           null_space_dim = num(sm$null.space.dim))
    }),
    sp_names = I(names(if (is.null(b$full.sp)) b$sp else b$full.sp)), sp = num(b$sp),
    full_sp = num(if (is.null(b$full.sp)) b$sp else b$full.sp), # id: one per penalty
    coefficients = list(names = I(names(coef(b))), values = num(coef(b))),
    linear_predictor = num(lp[1:100]), sd_y = num(sd(b$y)), sd_lp = num(sd(lp)),
    predict = num(pr$fit), predict_se = num(pr$se.fit),
    mgcv_seconds = num(secs)
  )
  out <- Filter(Negate(is.null), out)
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = FALSE, digits = NA), paste0(out$id, ".json"))
  cat(sprintf("%-18s crit=%-18s edf=%-30s %.3fs\n", out$id, sprintf("%.10g", b$gcv.ubre),
              paste(sprintf("%.3f", sapply(b$smooth, function(sm) sum(b$edf[sm$first.para:sm$last.para]))), collapse = ","),
              secs))
}
