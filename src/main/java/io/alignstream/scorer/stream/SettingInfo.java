package io.alignstream.scorer.stream;

import io.alignstream.schema.Setting;

/** What the first embedding of a setting fixed: the setting itself (with its timestep) and the dimension. */
record SettingInfo(Setting setting, int dim) {}
