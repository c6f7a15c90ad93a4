# Features: one job per frame feature kind (config features.*) over all clips, frames stored
# with clip offsets (genrelearn.features.store); the spectrogram figures of the paper.


include: "features_inputs.smk"


rule extract_features:
    """Compute one frame feature (cqt, mel or mfcc) for every indexed clip."""
    input:
        tracks=res("tracks.csv"),
        code=library_code("extract_features"),
    output:
        frames=res("features/{feature}.npz"),
    log:
        logs("extract_features_{feature}"),
    benchmark:
        benchmarks("extract_features_{feature}")
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


# ---- exports and figures: cheap local rules that read results and write the paper's inputs ----


rule plot_spectrograms:
    """One clip per genre as a CQT or log-mel spectrogram."""
    input:
        frames=res("features/{feature}.npz"),
        code=library_code("plot_spectrograms"),
    output:
        figure=report(
            gen("fig_spectrograms_{feature}.pdf"),
            caption="../paper/captions/spectrograms.rst",
            category="Features",
        ),
    log:
        logs("plot_spectrograms_{feature}"),
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        kind="{feature}",
        extractor=feature_params,
        example_clip=config["figures"]["example_clip"],
        cmap=config["figures"]["cmap"],
        dpi=config["figures"]["dpi"],
    script:
        "../scripts/plot_spectrograms.py"
