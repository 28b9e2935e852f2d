# How the fixed- and starting-parameter references in this folder were made (mgcv 1.8-41,
# R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/efam && Rscript make_fixed_refs.R [case ids...]
# mgcv's extended families with the family argument `theta =` (issue 17): a fixed parameter
# (mgcv sets n.theta = 0, so only the smoothing parameters are estimated) or a starting value
# (a negative theta: |theta| is where the estimation starts). The family text of each case is
# both the R call fitted here and the --family text our engine parses. Data sets: the ones of
# make_efam_refs.R, make_cnorm_refs.R and make_ocat_refs.R, and nb_n400.csv written here.
# Each case writes <id>.json in make_efam_refs.R's layout (numbers as "%.17g" strings).
#
# betar_cauchit_corrected: mgcv 1.8-41's cauchit link ratios g2g = g''/g'^2, g3g = g'''/g'^3,
# g4g = g''''/g'^4 (gam.fit3.r, fix.family.link.extended.family) lack a factor 2. With
# t = tan(pi (mu - 1/2)) = qcauchy(mu): g' = pi (1 + t^2), g'' = 2 pi^2 t (1 + t^2),
# g''' = 2 pi^3 (1 + t^2)(1 + 3 t^2), g'''' = 8 pi^4 t (1 + t^2)(2 + 3 t^2), so
#   g2g = 2 t / (1 + t^2),  g3g = 2 (1 + 3 t^2) / (1 + t^2)^2,  g4g = 8 t (2 + 3 t^2) / (1 + t^2)^3
# (mgcv returns half of each). fix.family.link.extended.family returns a family that already
# has all three unchanged, so setting them on betar(link = "cauchit") before gam() makes mgcv
# fit with the exact ratios.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

## ---------------------------------------------------------------- data sets
# nb_n400.csv: negative binomial counts, theta = 3, log mean 0.8 + sin(2 pi x0) + (x1 - 0.5).
set.seed(20261214)
n <- 400
x0 <- runif(n); x1 <- runif(n)
y <- rnbinom(n, size = 3, mu = exp(0.8 + sin(2 * pi * x0) + (x1 - 0.5)))
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "nb_n400.csv")

cauchit_corrected <- function() {
  fam <- betar(link = "cauchit")
  fam$g2g <- function(mu) { t <- qcauchy(mu); 2 * t / (1 + t * t) }
  fam$g3g <- function(mu) { t2 <- qcauchy(mu)^2; 2 * (1 + 3 * t2) / (1 + t2)^2 }
  fam$g4g <- function(mu) { t <- qcauchy(mu); t2 <- t * t; 8 * t * (2 + 3 * t2) / (1 + t2)^3 }
  fam
}

## ---------------------------------------------------------------- cases
# family: the R call (and our --family text); r: the response columns of a cbind response.
cases <- list(
  list(id = "scat_fixed", data = "scat_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "scat(theta = c(3, 1.2))", link = "identity"),
  list(id = "scat_fixed_log", data = "scat_n400.csv", formula = "yp ~ s(x0) + s(x1)",
       family = "scat(theta = c(6, 0.2), link = \"log\")", link = "log"),
  list(id = "zip_fixed", data = "zip_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "ziP(theta = c(-0.3, 0.2))", link = "identity"),
  list(id = "ocat_fixed", data = "ocat4_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "ocat(theta = c(1.4, 1.8))", link = "identity"),
  list(id = "cnorm_fixed", data = "cnorm_n400.csv", formula = "cbind(lo, hi) ~ s(x0) + s(x1)",
       r = c("lo", "hi"), family = "cnorm(theta = 0.45)", link = "identity"),
  list(id = "betar_fixed", data = "betar_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "betar(theta = 8)", link = "logit"),
  list(id = "nb_fixed", data = "nb_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "nb(theta = 3)", link = "log"),
  list(id = "nb_start", data = "nb_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "nb(theta = -3)", link = "log"),
  list(id = "betar_start", data = "betar_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "betar(theta = -20)", link = "logit"),
  list(id = "cnorm_start", data = "cnorm_n400.csv", formula = "cbind(lo, hi) ~ s(x0) + s(x1)",
       r = c("lo", "hi"), family = "cnorm(theta = -2)", link = "identity"),
  list(id = "betar_cauchit_corrected", data = "betar_n400.csv", formula = "y ~ s(x0) + s(x1)",
       family = "betar", link = "cauchit", corrected = TRUE)
)
args <- commandArgs(TRUE)
if (length(args)) cases <- Filter(function(cs) cs$id %in% args, cases)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
make_family <- function(cs) {
  if (isTRUE(cs$corrected)) return(cauchit_corrected())
  eval(parse(text = cs$family))
}

for (cs in cases) {
  d <- read.csv(cs$data)
  if (is.null(cs$r)) {
    f <- as.formula(cs$formula)
  } else {
    d$Y <- cbind(d[[cs$r[1]]], d[[cs$r[2]]])
    f <- Y ~ s(x0) + s(x1)
  }
  is_ocat <- startsWith(cs$family, "ocat")
  b <- gam(f, family = make_family(cs), data = d, method = "REML")
  times <- sapply(1:5, function(i) system.time(gam(f, family = make_family(cs), data = d,
                                                   method = "REML"))[["elapsed"]])
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  nd <- d[1:50, ]
  lp <- predict(b, nd, se.fit = TRUE)
  rp <- if (is_ocat) NULL else predict(b, nd, type = "response", se.fit = TRUE)
  ll <- logLik(b)
  txt <- capture.output(print(sm))
  if (!is.null(cs$r)) txt <- sub("^Y ~ s\\(x0\\) \\+ s\\(x1\\)$", cs$formula, txt)
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula, family = cs$family, link = cs$link,
    method = "REML", n = num(nrow(b$model)), n_theta = num(b$family$n.theta),
    criterion = num(b$gcv.ubre), sp = num(b$sp), scale = num(b$sig2),
    theta = num(b$family$getTheta(TRUE)), theta_working = num(b$family$getTheta()),
    family_string = b$family$family,
    edf_total = num(sum(b$edf)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    coefficients = num(coef(b)),
    deviance = num(b$deviance), null_deviance = num(b$null.deviance),
    loglik = num(as.numeric(ll)), loglik_df = num(attr(ll, "df")), aic = num(AIC(b)),
    outer_iter = num(b$outer.info$iter),
    linear_predictors = num(b$linear.predictors),
    fitted = if (is_ocat) NULL else num(fitted(b)),
    y_used = num(if (is.null(cs$r)) b$y else d[[cs$r[1]]]),
    censor = if (is.null(cs$r)) NULL else num(d[[cs$r[2]]]),
    residuals_deviance = if (is_ocat) NULL else num(residuals(b, type = "deviance")),
    pred_link = num(lp$fit), pred_link_se = num(lp$se.fit),
    pred_response = if (is_ocat) NULL else num(rp$fit),
    pred_response_se = if (is_ocat) NULL else num(rp$se.fit),
    s_table = lapply(seq_len(nrow(st)), function(i)
      list(label = rownames(st)[i], edf = num(st[i, 1]), ref_df = num(st[i, 2]),
           stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    p_table = lapply(seq_len(nrow(pt)), function(i)
      list(name = rownames(pt)[i], estimate = num(pt[i, 1]), se = num(pt[i, 2]),
           stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    summary_text = txt,
    mgcv_seconds_median = num(median(times))
  )
  writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             paste0(cs$id, ".json"))
  cat(sprintf("%-24s n.theta=%d crit=%.12g theta=%s sp=%s iter=%d time=%.3fs  [%s]\n", cs$id,
              as.integer(b$family$n.theta), b$gcv.ubre,
              paste(format(b$family$getTheta(TRUE), digits = 8), collapse = " "),
              paste(format(b$sp, digits = 6), collapse = " "),
              as.integer(b$outer.info$iter), median(times), b$family$family))
}
