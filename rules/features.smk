# Feature stage: one job per feature kind over all clips, frames stored with clip offsets.


rule extract_features:
    """Compute one frame feature (cqt, mel or mfcc) for every indexed clip."""
    input:
        tracks="results/{dataset}/tracks.csv",
        code=library_code("extract_features"),
    output:
        frames="results/{dataset}/features/{feature}.npz",
    log:
        "results/{dataset}/logs/extract_features_{feature}.log",
    benchmark:
        "results/{dataset}/benchmarks/extract_features_{feature}.tsv"
    conda:
        "../envs/features.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        kind="{feature}",
        extractor=feature_params,
        sample_rate=config["dataset"]["sample_rate"],
        max_samples=config["features"]["max_samples"],
    script:
        "../scripts/extract_features.py"
