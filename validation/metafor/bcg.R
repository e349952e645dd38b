# metafor on dat.bcg (Colditz et al. 1994; 13 trials): every value bcg_reference.csv compares.
# Installs nothing: needs R >= 4.1 and metafor (Debian: apt-get install r-base-core r-cran-metafor).
# Usage (from the repository root): Rscript validation/metafor/bcg.R validation/metafor/metafor_bcg.csv
# Writes one row per value: model, quantity, value (17 significant digits), call.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
out_file <- if (length(args) >= 1) args[1] else "metafor_bcg.csv"
rows <- list()
put <- function(model, quantity, value, call) {
  rows[[length(rows) + 1]] <<- data.frame(
    model = model, quantity = quantity, value = sprintf("%.17g", as.numeric(value)), call = call
  )
}
uni <- function(model, res, call, pi = TRUE, se_tau2 = FALSE, h2 = FALSE, p = FALSE) {
  put(model, "estimate", coef(res), call)
  put(model, "se", res$se, call)
  put(model, "ci_low", res$ci.lb, call)
  put(model, "ci_high", res$ci.ub, call)
  put(model, "q", res$QE, call)
  put(model, "stat", res$zval, call)
  if (p) put(model, "p", res$pval, call)
  put(model, "tau2", res$tau2, call)
  put(model, "i2", res$I2, call)
  if (h2) put(model, "h2", res$H2, call)
  if (se_tau2) put(model, "tau2_se", res$se.tau2, call)
  if (pi) {
    pr <- predict(res, transf = exp)
    put(model, "exp_pi_low", pr$pi.lb, call)
    put(model, "exp_pi_high", pr$pi.ub, call)
  }
}
bcg <- function(measure) {
  escalc(measure = measure, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
}
dat <- bcg("RR")
uni("FE", rma(yi, vi, data = dat, method = "FE"), "rma(yi, vi, method='FE')", pi = FALSE)
uni("DL", rma(yi, vi, data = dat, method = "DL"), "rma(yi, vi, method='DL')")
uni("REML", rma(yi, vi, data = dat), "rma(yi, vi) (REML)", se_tau2 = TRUE, h2 = TRUE)
uni("REML+HKSJ", rma(yi, vi, data = dat, test = "knha"), "rma(yi, vi, test='knha')", p = TRUE)
uni("PM", rma(yi, vi, data = dat, method = "PM"), "rma(yi, vi, method='PM')")
for (m in list(list("MH", "RR", rma.mh(measure = "RR", ai = tpos, bi = tneg, ci = cpos,
                                         di = cneg, data = dat.bcg), "rma.mh(measure='RR')"),
               list("Peto", "OR", rma.peto(ai = tpos, bi = tneg, ci = cpos, di = cneg,
                                           data = dat.bcg), "rma.peto()"))) {
  res <- m[[3]]
  put(m[[1]], "estimate", coef(res), m[[4]])
  put(m[[1]], "ci_low", res$ci.lb, m[[4]])
  put(m[[1]], "ci_high", res$ci.ub, m[[4]])
  put(m[[1]], "stat", res$zval, m[[4]])
  put(m[[1]], "q", res$QE, m[[4]])
}
for (measure in c("OR", "RD")) {
  d2 <- bcg(measure)
  label <- function(method) sprintf("%s (%s)", method, measure)
  call <- function(method) sprintf("rma(yi, vi, method='%s') on escalc(measure='%s')", method, measure)
  uni(label("FE"), rma(yi, vi, data = d2, method = "FE"), call("FE"), pi = FALSE)
  uni(label("DL"), rma(yi, vi, data = d2, method = "DL"), call("DL"), pi = FALSE)
}
cum <- cumul(rma(yi, vi, data = dat), order = dat$year)
for (j in seq_along(cum$estimate)) {
  put("cumulative REML", sprintf("estimate step %d", j), cum$estimate[j],
      "cumul(rma(yi, vi), order=year)")
}
eg <- regtest(rma(yi, vi, data = dat, test = "knha"))
call <- "regtest(rma(yi, vi, test='knha'))"
put("Egger regtest", "stat", eg$zval, call)
put("Egger regtest", "p", eg$pval, call)
put("Egger regtest", "limit_estimate", eg$est, call)
put("Egger regtest", "limit_ci_low", eg$ci.lb, call)
put("Egger regtest", "limit_ci_high", eg$ci.ub, call)
table <- do.call(rbind, rows)
table$call <- sprintf("metafor %s: %s", packageVersion("metafor"), table$call)
write.csv(table, out_file, row.names = FALSE)
cat(sprintf("wrote %d metafor values to %s\n", nrow(table), out_file))
