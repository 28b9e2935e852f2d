# How the references in this folder were made (mgcv 1.8-41, R 4.2.2). Not run in CI:
#   cd crates/gam/tests/data/i16_re && Rscript make_reference.R
# Issue 16: random effects of several covariates, s(g, x, bs = "re"), s(g, h, bs = "re"),
# s(x, z, bs = "re") (mgcv's smooth.construct.re.smooth.spec: model.matrix(~ g:x - 1), identity
# penalty, no constraint, side.constrain = FALSE), and smooths `by` an ordered factor (mgcv's
# smoothCon builds them for levels 2..L only).
# The script simulates the data (CSV, read back from disk for every fit) and writes
#   bases.json   smoothCon(spec, d, absorb.cons = TRUE, scale.penalty = TRUE): per smooth its
#                label, class, X, every S, S.scale, null.space.dim, random, side.constrain, and
#                PredictMat at new_n8.csv;
#   <id>.json    gam(method = "REML") per case: criterion, per-smooth label/class/edf/
#                null.space.dim, sp names and values, coefficient names and values, the linear
#                predictor, sd(y) and sd of the linear predictor, summary tables (s.table:
#                edf, Ref.df, F or Chi.sq, p-value; p.table), predict(se.fit = TRUE) on
#                new_n8.csv (link scale), and for the ordered-by cases gam(fit = FALSE)'s G$X
#                and G$S (with G$off).
# Numbers are strings, sprintf("%.17g"). Deterministic: a rerun gives identical files.
suppressPackageStartupMessages({library(mgcv); library(jsonlite)})
stopifnot(as.character(packageVersion("mgcv")) == "1.8.41")

write_num_csv <- function(d, file, digits = 15) {
  out <- as.data.frame(lapply(d, function(v) if (is.numeric(v)) sprintf(paste0("%.", digits, "g"), v) else as.character(v)),
                       stringsAsFactors = FALSE)
  names(out) <- names(d)
  write.table(out, file, sep = ",", quote = FALSE, row.names = FALSE)
}
num <- function(v) I(sprintf("%.17g", as.numeric(v)))
mat <- function(m) lapply(seq_len(nrow(m)), function(i) num(m[i, ]))   # row by row

## ---------------------------------------------------------------- data
set.seed(16001); n <- 300
x <- runif(n); z <- runif(n)
g <- sample(c("a", "b", "c", "d", "e"), n, replace = TRUE)
h <- sample(c("p", "q", "r"), n, replace = TRUE)
o <- sample(c("a", "b", "c", "d"), n, replace = TRUE)
gi <- match(g, c("a", "b", "c", "d", "e")); hi <- match(h, c("p", "q", "r")); oi <- match(o, c("a", "b", "c", "d"))
slope <- c(-1, 0.5, 1.5, 0, -0.7); icpt <- c(0.3, -0.4, 0.1, 0.6, -0.5)
gh <- matrix(c(0.4, -0.3, 0.2, -0.1, 0.5, -0.6, 0.3, 0.1, -0.2, 0.2, -0.4, 0.0, 0.1, 0.3, -0.5), 5, 3)
oshape <- function(x, k) c(0, 0.8, -0.6, 1.2)[k] * sin(2 * pi * x * k / 2)
eta <- sin(2 * pi * x) + icpt[gi] + slope[gi] * x + gh[cbind(gi, hi)] + 0.8 * x * z + oshape(x, oi)
y <- eta + rnorm(n, sd = 0.4)
count <- rpois(n, exp(0.5 + eta / 2))
write_num_csv(data.frame(y, count, x, z, g, h, o), "re_n300.csv")
write_num_csv(data.frame(x = c(0.05, 0.2, 0.35, 0.5, 0.62, 0.77, 0.9, 0.99),
                         z = c(0.9, 0.1, 0.5, 0.33, 0.71, 0.2, 0.6, 0.45),
                         g = c("a", "b", "c", "d", "e", "c", "b", "a"),
                         h = c("p", "q", "r", "r", "q", "p", "p", "q"),
                         o = c("a", "b", "c", "d", "a", "d", "b", "c")), "new_n8.csv")

read_data <- function(file) {
  d <- read.csv(file, stringsAsFactors = FALSE)
  d$g <- factor(d$g, levels = c("a", "b", "c", "d", "e"))
  d$h <- factor(d$h, levels = c("p", "q", "r"))
  d$o <- ordered(d$o, levels = c("a", "b", "c", "d"))
  d
}
d <- read_data("re_n300.csv")
nd <- read_data("new_n8.csv")

## ---------------------------------------------------------------- bases
specs <- list(
  gx = s(g, x, bs = "re"), xg = s(x, g, bs = "re"), gh = s(g, h, bs = "re"), xz = s(x, z, bs = "re"),
  gx_by_z = s(g, x, bs = "re", by = z), gx_by_h = s(g, x, bs = "re", by = h),
  x_by_o = s(x, k = 6, by = o)
)
bases <- lapply(names(specs), function(id) {
  sms <- smoothCon(specs[[id]], data = d, knots = NULL, absorb.cons = TRUE, scale.penalty = TRUE)
  list(id = id, smooths = lapply(sms, function(sm) list(
    label = sm$label, class = class(sm)[1], X = mat(sm$X), S = lapply(sm$S, mat), S_scale = num(sm$S.scale),
    null_space_dim = sm$null.space.dim, random = isTRUE(sm$random), side_constrain = isTRUE(sm$side.constrain),
    Xp = mat(PredictMat(sm, nd)))))
})
writeLines(toJSON(list(data = "i16_re/re_n300.csv", newdata = "i16_re/new_n8.csv", bases = bases),
                  auto_unbox = TRUE, digits = NA), "bases.json")

## ---------------------------------------------------------------- fits
cases <- list(
  list(id = "re_gx", formula = "y ~ s(x) + s(g, bs = \"re\") + s(g, x, bs = \"re\")"),
  list(id = "re_xg", formula = "y ~ s(x) + s(x, g, bs = \"re\")"),
  list(id = "re_gh", formula = "y ~ s(x) + s(g, h, bs = \"re\")"),
  list(id = "re_xz", formula = "y ~ s(x) + s(x, z, bs = \"re\")"),
  list(id = "re_gx_by", formula = "y ~ h + s(x) + s(g, x, bs = \"re\", by = h) + s(g, x, bs = \"re\", by = z)"),
  list(id = "re_gx_pois", formula = "count ~ s(x) + s(g, bs = \"re\") + s(g, x, bs = \"re\")", family = "poisson"),
  list(id = "re_gh_pois", formula = "count ~ s(x) + s(g, h, bs = \"re\")", family = "poisson"),
  list(id = "ord_by", formula = "y ~ o + s(x) + s(x, by = o)"),
  list(id = "ord_by_cr", formula = "y ~ o + s(x, bs = \"cr\", k = 8) + s(x, bs = \"cr\", k = 8, by = o) + s(z)"),
  list(id = "ord_by_pois", formula = "count ~ o + s(x) + s(x, by = o)", family = "poisson")
)
for (cs in cases) {
  fam <- if (is.null(cs$family)) gaussian() else get(cs$family)()
  f <- as.formula(cs$formula)
  warns <- character(0)
  b <- withCallingHandlers(gam(f, family = fam, data = d, method = "REML"),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  s <- summary(b)
  st <- s$s.table; pt <- s$p.table
  p <- predict(b, nd, se.fit = TRUE)
  lp <- as.numeric(b$linear.predictors)
  G <- NULL
  if (cs$id %in% c("ord_by", "ord_by_cr")) {
    G <- gam(f, family = fam, data = d, method = "REML", fit = FALSE)
    G <- list(X = mat(G$X), S = lapply(G$S, mat), off = G$off, term_names = G$term.names)
  }
  out <- list(
    id = cs$id, data = "i16_re/re_n300.csv", formula = cs$formula, family = b$family$family, link = b$family$link,
    criterion = num(b$gcv.ubre), n = nrow(b$model),
    smooths = lapply(seq_along(b$smooth), function(i) {
      sm <- b$smooth[[i]]
      list(label = sm$label, class = class(sm)[1], edf = num(sum(b$edf[sm$first.para:sm$last.para])),
           null_space_dim = sm$null.space.dim, random = isTRUE(sm$random))
    }),
    sp_names = I(names(b$sp)), sp = num(b$sp),
    coefficients = list(names = I(names(coef(b))), values = num(coef(b))),
    linear_predictor = num(lp), sd_y = num(sd(b$y)), sd_lp = num(sd(lp)),
    s_table = lapply(seq_len(nrow(st)), function(i) list(label = rownames(st)[i], edf = num(st[i, 1]),
      ref_df = num(st[i, 2]), stat = num(st[i, 3]), p_value = num(st[i, 4]))),
    p_table = lapply(seq_len(nrow(pt)), function(i) list(name = rownames(pt)[i], estimate = num(pt[i, 1]),
      se = num(pt[i, 2]), stat = num(pt[i, 3]), p_value = num(pt[i, 4]))),
    r_sq = num(s$r.sq), dev_expl = num(s$dev.expl),
    predict = list(fit = num(p$fit), se_fit = num(p$se.fit)),
    G = G, warnings = I(warns)
  )
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null"), paste0(cs$id, ".json"))
  cat(sprintf("%-12s crit=%-20s edf=%s%s\n", cs$id, sprintf("%.12g", b$gcv.ubre),
              paste(sprintf("%.3f", sapply(b$smooth, function(sm) sum(b$edf[sm$first.para:sm$last.para]))), collapse = ","),
              if (length(warns)) paste0(" WARN: ", paste(unique(warns), collapse = " | ")) else ""))
}
