# References for fs / sz with the base smooth's knot subsampling, xt = list(bs = "tp",
# max.knots = , seed = ) (issue 16), mgcv 1.8-41. Not run in CI:
#   cd crates/gam/tests/data/bases_i16 && Rscript make_refs_fssz_knots.R
# mgcv's fs and sz constructors keep a list xt and hand it to the base smooth's
# constructor, so a tp (ts, gp, ds) base subsamples max.knots of the unique covariate
# values with R's RNG seeded by seed, as s(x, bs = "tp", xt = list(max.knots, seed)) does
# (a cr base ignores them; the engine refuses them there). The data are make_refs_fssz.R's
# fssz_n300.csv (300 unique x, above max.knots) and fssz_new.csv; its helper functions
# (canon_nat_param, basis_case, ...) are evaluated from that script without running it,
# and its fit loop is repeated here. Writes fssz_basis_<id>.json and fssz_fit_<id>.json in
# make_refs_fssz.R's layouts.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

## make_refs_fssz.R's function definitions (and orig_nat_param), nothing else.
for (e in parse("make_refs_fssz.R")) {
  if (is.call(e) && identical(e[[1]], as.name("<-")) &&
      (is.call(e[[3]]) && identical(e[[3]][[1]], as.name("function")) ||
       identical(e[[2]], as.name("orig_nat_param")) || identical(e[[2]], as.name("canon_cov"))))
    eval(e, globalenv())
}
d <- read.csv("fssz_n300.csv", stringsAsFactors = TRUE)
nd <- read.csv("fssz_new.csv", stringsAsFactors = TRUE)
nd$g <- factor(nd$g, levels = levels(d$g)); nd$h <- factor(nd$h, levels = levels(d$h))
stopifnot(length(unique(d$x)) > 30)

## ---------------------------------------------------------------- bases
basis_case("fs_tp_knots", s(x, g, bs = "fs", k = 6, xt = list(bs = "tp", max.knots = 30, seed = 2)))
basis_case("sz_tp_knots", s(x, g, bs = "sz", k = 6, xt = list(max.knots = 30, seed = 2)))
basis_case("sz_gp_knots", s(x, g, bs = "sz", k = 6, xt = list(bs = "gp", max.knots = 25)))
basis_case("fs_ds_2d_knots", s(x, z, g, bs = "fs", k = 10, xt = list(bs = "ds", max.knots = 40, seed = 3)),
           cov = c("x", "z"))

## ---------------------------------------------------------------- fits
use_nat_param(canon_nat_param)
cases <- list(
  list(id = "fs_knots_gauss",
       formula = "y ~ s(x, g, bs = \"fs\", k = 6, xt = list(bs = \"tp\", max.knots = 30, seed = 2)) + s(z)"),
  list(id = "sz_knots_pois",
       formula = "count ~ s(x) + s(x, g, bs = \"sz\", k = 6, xt = list(max.knots = 30, seed = 2)) + s(z)",
       family = "poisson")
)
for (cs in cases) {
  fam <- if (is.null(cs$family)) gaussian() else get(cs$family)()
  canon_cov <- d[if (is.null(cs$cov)) "x" else cs$cov]
  b <- gam(as.formula(cs$formula), family = fam, data = d, method = "REML")
  pr <- predict(b, nd, se.fit = TRUE)
  st <- summary(b)$s.table
  pdf(NULL); pd <- tryCatch(plot(b, n = 100, pages = 1), error = function(e) list()); dev.off()
  plots <- lapply(seq_along(b$smooth), function(i) {
    s <- b$smooth[[i]]
    if (!inherits(s, c("fs.interaction", "sz.interaction")) || i > length(pd) || is.null(pd[[i]]$fit)) return(NULL)
    list(label = s$label, x = num(pd[[i]]$x), fit = num(pd[[i]]$fit), se = if (isTRUE(pd[[i]]$se.mult > 0)) num(pd[[i]]$se) else NULL)
  })
  lp <- as.numeric(b$linear.predictors)
  out <- list(
    id = cs$id, data = "bases_i16/fssz_n300.csv", newdata = "bases_i16/fssz_new.csv", formula = cs$formula,
    family = b$family$family, link = b$family$link,
    criterion = num(b$gcv.ubre), scale = num(b$sig2),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, class = class(s)[1], edf = num(sum(b$edf[s$first.para:s$last.para])),
           null_space_dim = num(s$null.space.dim),
           ref_df = num(st[i, 2]), stat = num(st[i, 3]), p_value = num(st[i, 4]))
    }),
    sp_names = I(names(b$sp)), sp = num(b$sp),
    coefficients = list(names = I(names(coef(b))), values = num(coef(b))),
    linear_predictor = num(lp), sd_y = num(sd(b$y)), sd_lp = num(sd(lp)),
    predict = num(pr$fit), predict_se = num(pr$se.fit), plots = plots,
    summary_text = capture.output(print(summary(b)))
  )
  save_json(out, paste0("fssz_fit_", cs$id, ".json"))
  cat(sprintf("%-10s crit=%-20s edf=%s p=%s\n", cs$id, sprintf("%.12g", b$gcv.ubre),
              paste(sprintf("%.3f", sapply(b$smooth, function(s) sum(b$edf[s$first.para:s$last.para]))), collapse = ","),
              paste(sprintf("%.3g", st[, 4]), collapse = ",")))
}
