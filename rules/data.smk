# Data: make (synth) or download, verify and extract (GTZAN) the audio in GTZAN's layout, index
# and check it, assign GTZAN's fault-filtered split; export the numbers and tables about it.
# GTZAN downloads and their extraction live in resources/gtzan/, shared by every dataset name;
# dataset.archive / dataset.root / dataset.split_lists replace them by copies the user already
# has (no network). Paper: the data section (macros_data, table_synth, table_attributes).


include: "data_inputs.smk"


rule synthesize_dataset:
    """Generate the built-in synthetic genre dataset (deterministic for a given seed)."""
    input:
        code=library_code("synthesize_dataset"),
    output:
        audio=directory(res("audio")),
    log:
        logs("synthesize_dataset"),
    benchmark:
        benchmarks("synthesize_dataset")
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


rule download_gtzan:
    """Download genres.tar.gz from the first mirror that delivers it (resumable, verified)."""
    input:
        code=library_code("download"),
    output:
        file=f"{GTZAN_RESOURCES}/genres.tar.gz",
    log:
        f"{GTZAN_RESOURCES}/logs/download_gtzan.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=240,
    params:
        urls=config["gtzan"]["archive"]["urls"],
        checksums=config["gtzan"]["archive"]["checksums"],
        size=config["gtzan"]["archive"]["size"],
        retries=config["gtzan"]["download"]["retries"],
        timeout=config["gtzan"]["download"]["timeout"],
        backoff=config["gtzan"]["download"]["backoff"],
        hint=(
            "Check the network or add a mirror to gtzan.archive.urls; with a copy at hand, "
            "set dataset.archive (or dataset.root) to it instead."
        ),
    script:
        "../scripts/download.py"


rule download_gtzan_split:
    """Download one list of the fault-filtered split (resumable, md5-verified)."""
    input:
        code=library_code("download"),
    output:
        file=f"{GTZAN_RESOURCES}/splits/{{subset}}_filtered.txt",
    log:
        f"{GTZAN_RESOURCES}/logs/download_gtzan_split_{{subset}}.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    params:
        urls=gtzan_split_urls,
        checksums=gtzan_split_md5,
        size=None,
        retries=config["gtzan"]["download"]["retries"],
        timeout=config["gtzan"]["download"]["timeout"],
        backoff=config["gtzan"]["download"]["backoff"],
        hint=(
            "Check the network or add a mirror to gtzan.splits.urls; with the lists at hand, "
            "set dataset.split_lists to their folder instead."
        ),
    script:
        "../scripts/download.py"


rule extract_gtzan:
    """Verify the archive's checksum and extract its clips (no links, no paths outside)."""
    input:
        archive=gtzan_archive,
        code=library_code("extract_gtzan"),
    output:
        audio=directory(f"{GTZAN_RESOURCES}/audio"),
    log:
        f"{GTZAN_RESOURCES}/logs/extract_gtzan.log",
    benchmark:
        f"{GTZAN_RESOURCES}/benchmarks/extract_gtzan.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        checksums=config["gtzan"]["archive"]["checksums"],
        size=config["gtzan"]["archive"]["size"],
    script:
        "../scripts/extract_gtzan.py"


rule index_tracks:
    """Decode and check every clip; write the track index."""
    input:
        audio=audio_root,
        code=library_code("index_tracks"),
    output:
        tracks=res("tracks.csv"),
        skipped=res("tracks_skipped.csv"),
    log:
        logs("index_tracks"),
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
        invalid_clips=config["dataset"]["invalid_clips"],
    script:
        "../scripts/index_tracks.py"


rule gtzan_split:
    """Verify the fault-filtered lists and assign every indexed clip to train/valid/test."""
    input:
        unpack(gtzan_split_lists),
        tracks=res("tracks.csv"),
        code=library_code("gtzan_split"),
    output:
        split=res("splits/fault-filtered.csv"),
        summary=res("splits/fault-filtered.json"),
    log:
        logs("gtzan_split"),
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        md5=config["gtzan"]["splits"]["md5"],
        genres=GENRES,
    script:
        "../scripts/gtzan_split.py"


# ---- exports and figures: cheap local rules that read results and write the paper's inputs ----


rule export_data_macros:
    """Numbers about the dataset and features: counts, durations, frame and window sizes."""
    input:
        tracks=res("tracks.csv"),
        skipped=res("tracks_skipped.csv"),
        split=split_summary_if_used,
        vectors=expand(res("classify/{feature}/vectors.npz"), feature=FEATURES),
        cqt=res("features/cqt.npz"),
        code=library_code("export_data_macros"),
    output:
        macros=gen("macros_data.tex"),
    log:
        logs("export_data_macros"),
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        features=FEATURES,
        n_vectors=config["classify"]["pooling"]["n_vectors"],
        mel=config["features"]["mel"],
        mfcc=config["features"]["mfcc"],
        synth=config["synth"],
        source=config["dataset"]["source"],
        invalid_clips=config["dataset"]["invalid_clips"],
        gtzan_checksums=config["gtzan"]["archive"]["checksums"],
    script:
        "../scripts/export_data_macros.py"


rule export_synth_table:
    """Tables of the synthetic genres' design (from the generator) and clip attributes."""
    input:
        audio=audio_root,
        code=library_code("export_synth_table"),
    output:
        design=report(
            gen("table_synth.tex"),
            caption="../paper/captions/table_synth.rst",
            category="Data",
        ),
        attributes=report(
            gen("table_attributes.tex"),
            caption="../paper/captions/table_attributes.rst",
            category="Data",
        ),
    log:
        logs("export_synth_table"),
    localrule: True
    conda:
        "../envs/paper.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        genres=GENRES,
        spread=config["synth"]["spread"],
    script:
        "../scripts/export_synth_table.py"
