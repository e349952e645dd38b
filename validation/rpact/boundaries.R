# Reference group-sequential boundaries from rpact, pinned in tests/design/test_boundaries_rpact.py.
# Installs nothing: needs R with rpact (Debian: apt-get install r-base-core r-cran-rpact).
# Run: Rscript validation/rpact/boundaries.R
# Prints one line per design: id | the R call | critical values | cumulative alpha spent.
suppressPackageStartupMessages(library(rpact))
cases <- list(
  list(id = "asOF_k3_a025", k = 3, alpha = 0.025, type = "asOF", info = NULL),
  list(id = "asP_k3_a025", k = 3, alpha = 0.025, type = "asP", info = NULL),
  list(id = "OF_k3_a025", k = 3, alpha = 0.025, type = "OF", info = NULL),
  list(id = "P_k3_a025", k = 3, alpha = 0.025, type = "P", info = NULL),
  list(id = "HP_k3_a025", k = 3, alpha = 0.025, type = "HP", info = NULL),
  list(id = "asOF_k3_a025_unequal", k = 3, alpha = 0.025, type = "asOF", info = c(0.3, 0.65, 1)),
  list(id = "asP_k4_a05_unequal", k = 4, alpha = 0.05, type = "asP", info = c(0.2, 0.45, 0.7, 1)),
  list(id = "OF_k5_a01", k = 5, alpha = 0.01, type = "OF", info = NULL),
  list(id = "P_k2_a05_unequal", k = 2, alpha = 0.05, type = "P", info = c(0.4, 1)),
  list(id = "HP_k4_a025_unequal", k = 4, alpha = 0.025, type = "HP", info = c(0.25, 0.5, 0.8, 1)),
  list(id = "asOF_k2_a005", k = 2, alpha = 0.005, type = "asOF", info = c(0.5, 1)),
  list(id = "asP_k5_a025", k = 5, alpha = 0.025, type = "asP", info = NULL),
  list(id = "OF_k4_a025_unequal", k = 4, alpha = 0.025, type = "OF", info = c(0.15, 0.4, 0.75, 1)),
  list(id = "asOF_k6_a025", k = 6, alpha = 0.025, type = "asOF", info = NULL),
  list(id = "P_k5_a01", k = 5, alpha = 0.01, type = "P", info = NULL)
)
cat("# rpact", as.character(packageVersion("rpact")), "on", R.version.string, "\n")
for (cs in cases) {
  args <- list(kMax = cs$k, alpha = cs$alpha, sided = 1, typeOfDesign = cs$type)
  if (!is.null(cs$info)) args$informationRates <- cs$info
  d <- do.call(getDesignGroupSequential, args)
  call <- sprintf("getDesignGroupSequential(kMax = %d, alpha = %g, sided = 1, typeOfDesign = \"%s\"%s)",
                  cs$k, cs$alpha, cs$type,
                  if (is.null(cs$info)) "" else sprintf(", informationRates = c(%s)", paste(cs$info, collapse = ", ")))
  cat(cs$id, "|", call, "|", paste(sprintf("%.8f", d$criticalValues), collapse = ","),
      "|", paste(sprintf("%.10f", d$alphaSpent), collapse = ","), "\n")
}
# Non-binding futility does not change the efficacy values:
d <- getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF",
                              futilityBounds = c(0, 0.5), bindingFutility = FALSE)
cat("asOF_k3_a025_futility_nonbinding | getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = \"asOF\", futilityBounds = c(0, 0.5), bindingFutility = FALSE) |",
    paste(sprintf("%.8f", d$criticalValues), collapse = ","), "|",
    paste(sprintf("%.10f", d$alphaSpent), collapse = ","), "\n")
