package dev.forgeline.support.problem;

import java.io.IOException;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;

/**
 * Refuses a JSON string value that holds a NUL character ({@code \u0000}) in any request body: no field means one,
 * and PostgreSQL cannot store one in text (the insert would fail and answer 500). The refusal is an
 * {@link InvalidFormatException}, so it answers 400 {@link ProblemMappers#INVALID_JSON} naming the field.
 */
@Singleton
public class NulFreeStrings implements ObjectMapperCustomizer {
    static final String FAULT = "contains a NUL character (\\u0000), which no field may hold";

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("nul-free-strings").addDeserializer(String.class, new Refusing()));
    }

    private static final class Refusing extends StringDeserializer {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = super.deserialize(parser, context);
            if (value != null && value.indexOf('\0') >= 0) {
                throw InvalidFormatException.from(parser, FAULT, value.replace('\0', '?'), String.class);
            }
            return value;
        }
    }
}
