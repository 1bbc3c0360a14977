"""The pipeline's pages, by what they are about: the facilities' directory (`facilities`),
a city's project concepts (`concepts`) and the programme's board, reviews and shares
(`programme`)."""
