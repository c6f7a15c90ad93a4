# Deep and random feature learners (issue 6): each family's rules fit or apply a model from
# genrelearn.models on a feature stage output and write per-clip vectors to
# results/<dataset>/learned/<method>/vectors.npz, which rules/classify.smk scores with the
# same SVM and protocols as the raw features (config key classify.learned).

# ---- deep belief network, convolutional RBM, convolutional VAE ----------------------------------

# ---- randomly weighted CNNs, SVM and ELM back-ends ----------------------------------------------
