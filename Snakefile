# aelatent: train a convolutional autoencoder on faces and study the statistics of its latent vectors.
from snakemake.utils import min_version

min_version("9.0")


# A --configfile given on the command line is the whole config; schema defaults fill the rest.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/encode.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/vectors.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/explore.smk"
include: "workflow/rules/compare.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
