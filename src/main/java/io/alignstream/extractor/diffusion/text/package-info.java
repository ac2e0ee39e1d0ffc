/**
 * The CLIP text side of Stable Diffusion, as transformers implements it: the byte-level BPE
 * tokenizer (from a folder's vocab.json/merges.txt or the vocabulary shipped for single-file
 * checkpoints), the text encoder's config and its transformer.
 */
package io.alignstream.extractor.diffusion.text;
