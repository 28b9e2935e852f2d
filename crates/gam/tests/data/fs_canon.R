# fs_canon.R -- mgcv's nat.param with the null-space basis fixed as the engine fixes it.
# mgcv's fs reparameterises its base smooth with nat.param(type = 1), whose penalty null
# space comes from eigen() of rounding-level zero eigenvalues, so any rotation of it can
# come back, and fs penalises each null column apart: mgcv's own fit depends on that
# rotation. canon_nat_param takes the Gram-Schmidt of the projections of the monomials
# 1, x, z, x^2, ... of the standardised covariates `canon_cov` (a data frame the caller
# sets to the fs term's numeric covariates before building it), as basis/natural.rs does.
# Sourced by bases_i16/make_refs_fssz.R and i16_matrix/make_reference.R.
orig_nat_param <- mgcv:::nat.param
canon_cov <- NULL   # the numeric covariates of the fs term being built (set by the caller)
monomials <- function(cov, nd) {
  cov <- lapply(cov, function(v) (v - mean(v)) / sd(v))
  d <- length(cov); deg <- 0
  while (choose(deg + d, d) < nd) deg <- deg + 1
  terms <- list(integer(0)); last <- list(integer(0))
  for (k in seq_len(deg)) {
    nxt <- list()
    for (t in last) for (v in (if (length(t)) t[length(t)] else 1):d) nxt[[length(nxt) + 1]] <- c(t, v)
    terms <- c(terms, nxt); last <- nxt
  }
  sapply(terms, function(t) if (length(t)) Reduce(`*`, cov[t]) else rep(1, length(cov[[1]])))
}
canon_nat_param <- function(X, S, rank = NULL, type = 0, tol = .Machine$double.eps^.8, unit.fnorm = TRUE) {
  r <- orig_nat_param(X, S, rank = rank, type = type, tol = tol, unit.fnorm = unit.fnorm)
  p <- ncol(r$X); nd <- p - r$rank
  if (type %in% c(0, 1) && nd > 1) {
    ind <- (r$rank + 1):p
    Xn <- r$X[, ind, drop = FALSE]
    C <- crossprod(Xn, monomials(canon_cov, nd))
    cand <- c(lapply(seq_len(ncol(C)), function(j) C[, j]), lapply(seq_len(nd), function(j) diag(nd)[, j]))
    basis <- list()
    for (v in cand) {
      if (length(basis) == nd) break
      size <- sqrt(sum(v^2))
      for (rep in 1:2) for (u in basis) v <- v - sum(u * v) * u
      if (sqrt(sum(v^2)) > 1e-7 * size && sum(v^2) > 0) basis[[length(basis) + 1]] <- v / sqrt(sum(v^2))
    }
    rot <- do.call(cbind, basis)
    r$X[, ind] <- Xn %*% rot
    r$P[, ind] <- r$P[, ind, drop = FALSE] %*% rot
  }
  r
}
use_nat_param <- function(f) assignInNamespace("nat.param", f, "mgcv")
