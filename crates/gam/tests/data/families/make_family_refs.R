# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/families && Rscript make_family_refs.R
# Non-Gaussian families and links, prior weights, an offset with weights and a
# factor with a non-Gaussian family: things no public benchmark case covers.
# The script (a) writes the simulated / derived data sets it needs as CSV into
# this folder and (b) reads them back, fits each case with method = "REML" and
# writes <id>.json (numbers as strings, sprintf("%.17g"), scalars as 1-element
# arrays, as in ../extra/make_extra_refs.R). One line per case goes to stdout.
# The CSV files are the data: every fit uses the data as read back from disk.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")
bench <- "../bench/data"

## ---------------------------------------------------------------- data sets
# Plain numeric CSV: no row names, no quotes (not even in the header), every
# number written with `digits` significant digits.
write_num_csv <- function(d, file, digits = 15) {
  stopifnot(all(vapply(d, is.numeric, TRUE)))
  out <- as.data.frame(lapply(d, function(v) sprintf(paste0("%.", digits, "g"), v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}

# Michael, Schucany & Haas (1976) inverse Gaussian generator; mgcv's
# inverse.gaussian dispersion phi gives var(y) = phi * mu^3, i.e. shape 1/phi.
rinvgauss_msh <- function(n, mu, phi) {
  lambda <- 1 / phi
  nu <- rnorm(n)
  v <- nu^2
  x <- mu + mu^2 * v / (2 * lambda) - mu / (2 * lambda) * sqrt(4 * mu * lambda * v + mu^2 * v^2)
  u <- runif(n)
  ifelse(u <= mu / (mu + x), x, mu^2 / x)
}

# hepatitis_prop.csv: bench hepatitis plus prop = positive / total (17 digits, so
# that prop * total is as close to the integer count as a double allows).
hep <- read.csv(file.path(bench, "hepatitis.csv"))
hep$total <- hep$positive + hep$negative
hep <- hep[hep$total > 0, ]           # (no row has total == 0; kept as a guard)
hep$prop <- hep$positive / hep$total
write_num_csv(hep, "hepatitis_prop.csv", digits = 17)

# invgauss_n300.csv
set.seed(20230601)
n <- 300
x0 <- runif(n); x1 <- runif(n)
mu <- exp(0.5 + sin(2 * pi * x0) * 0.5 + x1)
y <- rinvgauss_msh(n, mu, phi = 0.05)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1, mu = mu), "invgauss_n300.csv")

# poisson_offset_n400.csv
set.seed(20230602)
n <- 400
x0 <- runif(n); x1 <- runif(n)
expo <- runif(n, 0.5, 2)
w <- sample(1:3, n, replace = TRUE)
mu <- expo * exp(1 + sin(2 * pi * x0) - x1)
y <- rpois(n, mu)
# log_expo is written rounded and then used as read back (the data is the file).
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1, expo = expo, log_expo = log(expo), w = w),
              "poisson_offset_n400.csv")

# gamsim1_weights.csv: bench gamsim1_n400 plus prior weights w.
set.seed(20230603)
g1 <- read.csv(file.path(bench, "gamsim1_n400.csv"))
g1$w <- runif(nrow(g1), 0.5, 2)
write_num_csv(g1, "gamsim1_weights.csv")

# nb_n400.csv
set.seed(20230604)
n <- 400
x0 <- runif(n); x1 <- runif(n)
mu <- exp(1 + sin(2 * pi * x0) + 0.5 * x1)
y <- rnbinom(n, mu = mu, size = 3)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "nb_n400.csv")

# tweedie_n400.csv
set.seed(20230605)
n <- 400
x0 <- runif(n); x1 <- runif(n)
mu <- exp(0.5 + sin(2 * pi * x0) + 0.5 * x1)
y <- rTweedie(mu, p = 1.5, phi = 1.2)
write_num_csv(data.frame(y = y, x0 = x0, x1 = x1), "tweedie_n400.csv")

# gamsim1_binary_grp.csv: bench gamsim1_binary_n400 plus a character column grp
# ("a", "b", "c", quoted by write.csv; numeric columns unquoted, written by R
# with 15 significant digits, which reproduces the bench values exactly).
set.seed(20230606)
gb <- read.csv(file.path(bench, "gamsim1_binary_n400.csv"))
gb$grp <- sample(c("a", "b", "c"), nrow(gb), replace = TRUE)
write.csv(gb, "gamsim1_binary_grp.csv", row.names = FALSE)

## ---------------------------------------------------------------- cases
# data: path relative to crates/gam/tests/data/
cases <- list(
  list(id = "binary_probit", data = "bench/data/gamsim1_binary_n400.csv",
       formula = "y ~ s(x0, bs = \"cr\") + s(x1, bs = \"cr\") + s(x2, bs = \"cr\")",
       family = binomial(link = "probit"), weights = NULL),
  list(id = "binary_cloglog", data = "bench/data/gamsim1_binary_n400.csv",
       formula = "y ~ s(x0, bs = \"cr\") + s(x1, bs = \"cr\") + s(x2, bs = \"cr\")",
       family = binomial(link = "cloglog"), weights = NULL),
  list(id = "hepatitis_prop_weights", data = "families/hepatitis_prop.csv",
       formula = "prop ~ s(age)", family = binomial(), weights = "total"),
  # Both Gamma cases fit cleanly with s(Girth) + s(Height) (no fallback needed), and
  # invgauss_canonical converges (8 outer iterations): no case had to be dropped.
  list(id = "trees_gamma_inverse", data = "bench/data/trees.csv",
       formula = "Volume ~ s(Girth) + s(Height)", family = Gamma(link = "inverse"), weights = NULL),
  list(id = "trees_gamma_identity", data = "bench/data/trees.csv",
       formula = "Volume ~ s(Girth) + s(Height)", family = Gamma(link = "identity"), weights = NULL),
  list(id = "invgauss_log", data = "families/invgauss_n300.csv",
       formula = "y ~ s(x0) + s(x1)", family = inverse.gaussian(link = "log"), weights = NULL),
  list(id = "invgauss_canonical", data = "families/invgauss_n300.csv",
       formula = "y ~ s(x0) + s(x1)", family = inverse.gaussian(), weights = NULL),
  list(id = "poisson_weights_offset", data = "families/poisson_offset_n400.csv",
       formula = "y ~ s(x0, bs = \"cr\") + x1 + offset(log_expo)", family = poisson(), weights = "w"),
  list(id = "gaussian_weights", data = "families/gamsim1_weights.csv",
       formula = "y ~ s(x0) + s(x2, bs = \"cr\")", family = gaussian(), weights = "w"),
  list(id = "nb_counts", data = "families/nb_n400.csv",
       formula = "y ~ s(x0) + s(x1)", family = nb(), weights = NULL),
  list(id = "tweedie_pos", data = "families/tweedie_n400.csv",
       formula = "y ~ s(x0) + s(x1)", family = tw(), weights = NULL),
  list(id = "binary_logit_weights_factor", data = "families/gamsim1_binary_grp.csv",
       formula = "y ~ grp + s(x0, bs = \"cr\") + s(x2, bs = \"cr\")", family = binomial(), weights = NULL),
  # Added later: non-canonical links of the Gaussian and Poisson families, nb with another link.
  list(id = "gaussian_log", data = "bench/data/trees.csv",
       formula = "Volume ~ s(Girth) + s(Height)", family = gaussian(link = "log"), weights = NULL),
  list(id = "poisson_sqrt", data = "bench/data/coal.csv",
       formula = "count ~ s(year, k = 20)", family = poisson(link = "sqrt"), weights = NULL),
  list(id = "nb_sqrt", data = "families/nb_n400.csv",
       formula = "y ~ s(x0) + s(x1)", family = nb(link = "sqrt"), weights = NULL)
)

num <- function(v) I(sprintf("%.17g", as.numeric(v)))
first100 <- function(v) num(as.numeric(v)[seq_len(min(100, length(v)))])

fit_case <- function(cs, d) {
  warns <- character(0)
  b <- withCallingHandlers({
    if (is.null(cs$weights)) {
      gam(as.formula(cs$formula), family = cs$family, data = d, method = "REML")
    } else {
      d$.w <- d[[cs$weights]]
      gam(as.formula(cs$formula), family = cs$family, data = d, method = "REML", weights = .w)
    }
  }, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(b = b, warnings = warns)
}

for (cs in cases) {
  d <- read.csv(file.path("..", cs$data))
  fw <- tryCatch(fit_case(cs, d), error = function(e) e)
  if (inherits(fw, "error")) {
    cat(cs$id, "ERROR:", conditionMessage(fw), "\n")
    next
  }
  b <- fw$b
  sm <- summary(b)
  st <- sm$s.table; pt <- sm$p.table
  lp <- predict(b, se.fit = TRUE)
  rp <- predict(b, type = "response", se.fit = TRUE)
  ll <- logLik(b)
  fam <- b$family$family
  base_family <- if (inherits(b$family, "extended.family")) {
    if (grepl("^Negative Binomial", fam)) "nb" else if (grepl("^Tweedie", fam)) "tw" else fam
  } else fam
  theta <- if (base_family %in% c("nb", "tw")) num(b$family$getTheta(TRUE)) else NULL
  out <- list(
    id = cs$id, data = cs$data, formula = cs$formula,
    family = base_family, link = b$family$link,
    weights = cs$weights,                       # NULL -> JSON null
    n = num(nrow(b$model)),
    reml_score = num(b$gcv.ubre),
    scale = num(b$sig2), scale_estimated = as.logical(b$scale.estimated),
    edf_total = num(sum(b$edf)),
    edf1_total = num(sum(b$edf1)), edf2_total = num(sum(b$edf2)),
    smooths = lapply(seq_along(b$smooth), function(i) {
      s <- b$smooth[[i]]
      list(label = s$label, edf = num(sum(b$edf[s$first.para:s$last.para])))
    }),
    sp = num(as.numeric(b$sp)),
    coefficients = list(names = names(coef(b)), values = num(coef(b))),
    deviance = num(b$deviance), null_deviance = num(b$null.deviance),
    dev_explained = num((b$null.deviance - b$deviance) / b$null.deviance),
    loglik = num(as.numeric(ll)), loglik_df = num(attr(ll, "df")),
    aic = num(AIC(b)),
    outer_iter = num(b$outer.info$iter),
    converged = as.logical(b$converged),
    linear_predictor = first100(b$linear.predictors),
    fitted = first100(fitted(b)),
    se_link = first100(lp$se.fit),
    se_response = first100(rp$se.fit),
    s_stat = colnames(st)[3],
    s_table = lapply(seq_len(nrow(st)), function(i)
      list(label = rownames(st)[i], edf = num(st[i, 1]), ref_df = num(st[i, 2]),
           stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    p_stat = colnames(pt)[3],
    p_table = lapply(seq_len(nrow(pt)), function(i)
      list(name = rownames(pt)[i], estimate = num(pt[i, 1]), se = num(pt[i, 2]),
           stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    r_sq = num(sm$r.sq),
    theta = theta,                              # NULL (null) unless nb / tw
    family_string = fam,
    warnings = fw$warnings
  )
  js <- toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null")
  writeLines(js, paste0(cs$id, ".json"))
  cat(sprintf("%-28s gcv.ubre=%s iter=%d warnings=%s\n", cs$id, sprintf("%.10g", b$gcv.ubre),
              as.integer(b$outer.info$iter),
              if (length(fw$warnings)) paste(unique(fw$warnings), collapse = " | ") else "none"))
}
