package io.alignstream.scorer;

import io.alignstream.common.SettingKey;
import io.alignstream.schema.Conditioning;
import io.alignstream.schema.LayerEmbedding;
import io.alignstream.schema.Setting;
import io.alignstream.schema.TripletJudgment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random but reproducible test data: items, settings of different dimensions, vectors with
 * deliberate exact ties (copied vectors, a zero vector), and triplets with repeated item sets
 * shown in different orders with different choices, so the noise ceiling has groups and ties.
 */
public final class SyntheticData {

  public final List<String> items = new ArrayList<>();
  public final Map<String, Setting> settings = new LinkedHashMap<>();
  /** setting key -> item -> vector. */
  public final Map<String, Map<String, float[]>> vectors = new LinkedHashMap<>();
  public final List<TripletJudgment> triplets = new ArrayList<>();

  public static SyntheticData generate(long seed, int itemCount, int tripletCount, int[] dims) {
    Random random = new Random(seed);
    SyntheticData data = new SyntheticData();
    for (int i = 0; i < itemCount; i++) {
      data.items.add("item-" + i);
    }
    for (int s = 0; s < dims.length; s++) {
      // The fourth setting, when asked for, is a pooled one (a vision model's: no noise, no conditioning).
      Setting setting = s == 3 ? SettingKey.pooled("vision", "encoder.ln", "cls+mean")
          : setting("m" + (s % 2), "L" + s, s * 0.1, s % 2 == 0 ? Conditioning.NONE : Conditioning.TEXT);
      String key = SettingKey.of(setting);
      data.settings.put(key, setting);
      Map<String, float[]> byItem = new LinkedHashMap<>();
      for (int i = 0; i < itemCount; i++) {
        float[] v = new float[dims[s]];
        if (i % 11 == 5) {
          v = byItem.get(data.items.get(i - 1)).clone(); // an exact copy: exact ties
        } else if (i != 7) { // item 7 keeps a zero vector: cosine 0 with everything
          for (int d = 0; d < v.length; d++) {
            v[d] = (float) random.nextGaussian();
          }
        }
        byItem.put(data.items.get(i), v);
      }
      data.vectors.put(key, byItem);
    }
    int id = 0;
    while (data.triplets.size() < tripletCount) {
      List<String> shuffled = new ArrayList<>(data.items);
      Collections.shuffle(shuffled, random);
      List<String> three = new ArrayList<>(shuffled.subList(0, 3));
      int repeats = random.nextInt(10) < 2 ? 2 + random.nextInt(4) : 1;
      for (int r = 0; r < repeats && data.triplets.size() < tripletCount; r++) {
        Collections.shuffle(three, random);
        data.triplets.add(triplet("t" + id++, three, random.nextInt(3)));
      }
    }
    return data;
  }

  public static Setting setting(String model, String layer, double noise, Conditioning conditioning) {
    return Setting.newBuilder().setModelId(model).setLayer(layer).setNoiseLevel(noise)
        .setTimestep((int) Math.round(noise * 1000)).setConditioning(conditioning).build();
  }

  public static TripletJudgment triplet(String id, List<String> items, int odd) {
    return TripletJudgment.newBuilder().setTripletId(id).setDataset("synthetic").setItems(new ArrayList<>(items))
        .setOddOneOut(odd).build();
  }

  public static LayerEmbedding embedding(Setting setting, String item, float[] vector) {
    List<Float> values = new ArrayList<>(vector.length);
    for (float f : vector) {
      values.add(f);
    }
    return LayerEmbedding.newBuilder()
        .setSetting(setting)
        .setItemId(item)
        .setImageId(item)
        .setVector(values)
        .setDim(vector.length)
        .setPooling("none")
        .setConfigDigest("c")
        .setWeightsDigest("w")
        .setSource("test")
        .setComputedAt(Instant.EPOCH)
        .build();
  }

  /** Every embedding of every setting, setting by setting. */
  public List<LayerEmbedding> embeddings() {
    List<LayerEmbedding> all = new ArrayList<>();
    vectors.forEach((key, byItem) -> byItem.forEach((item, v) -> all.add(embedding(settings.get(key), item, v))));
    return all;
  }
}
