package io.alignstream.common.registry;

import org.apache.avro.Schema;

/** One version of a subject: its global id and its schema. */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {}
