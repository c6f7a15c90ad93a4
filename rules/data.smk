# Data stage: make (or, later, download) the audio in GTZAN's layout, then index and check it.


rule synthesize_dataset:
    """Generate the built-in synthetic genre dataset (deterministic for a given seed)."""
    input:
        code=library_code("synthesize_dataset"),
    output:
        audio=directory("results/{dataset}/audio"),
    log:
        "results/{dataset}/logs/synthesize_dataset.log",
    benchmark:
        "results/{dataset}/benchmarks/synthesize_dataset.tsv"
    conda:
        "../envs/data.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        genres=GENRES,
        clips_per_genre=config["synth"]["clips_per_genre"],
        duration=config["synth"]["duration"],
        sample_rate=config["dataset"]["sample_rate"],
        seed=config["synth"]["seed"],
        spread=config["synth"]["spread"],
    script:
        "../scripts/synthesize_dataset.py"


rule index_tracks:
    """Decode and check every clip; write the track index."""
    input:
        audio=audio_root,
        code=library_code("index_tracks"),
    output:
        tracks="results/{dataset}/tracks.csv",
    log:
        "results/{dataset}/logs/index_tracks.log",
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=20,
    params:
        genres=GENRES,
        sample_rate=config["dataset"]["sample_rate"],
        min_duration=config["dataset"]["min_duration"],
        max_duration=config["dataset"]["max_duration"],
    script:
        "../scripts/index_tracks.py"
