package io.alignstream.common;

import com.sun.net.httpserver.BasicAuthenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * A user name and password, as HTTP basic auth and Confluent's {@code basic.auth.user.info}
 * ({@code USER:PASSWORD}) carry them. {@link #toString()} never shows the password, so a user
 * can be logged or put in an error message safely.
 */
public record UserInfo(String name, String password) {

  public UserInfo {
    if (name == null || name.isEmpty() || name.contains(":")) {
      throw new IllegalArgumentException("a user name must be non-empty and without ':'");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("user " + name + " needs a non-empty password");
    }
  }

  /** {@code USER:PASSWORD} (the password may contain ':'); the error never repeats the text. */
  public static UserInfo parse(String userInfo) {
    int colon = userInfo.indexOf(':');
    if (colon <= 0 || colon == userInfo.length() - 1) {
      throw new IllegalArgumentException("expected USER:PASSWORD with both parts non-empty");
    }
    return new UserInfo(userInfo.substring(0, colon), userInfo.substring(colon + 1));
  }

  /** The registry client's settings that send this user with every request (Confluent's keys). */
  public Map<String, String> registryClientProperties() {
    return Map.of("basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", name + ":" + password);
  }

  /** Checks a request's basic auth against this user, comparing in constant time. */
  public BasicAuthenticator authenticator(String realm) {
    byte[] expectedName = name.getBytes(StandardCharsets.UTF_8);
    byte[] expectedPassword = password.getBytes(StandardCharsets.UTF_8);
    return new BasicAuthenticator(realm, StandardCharsets.UTF_8) {
      @Override
      public boolean checkCredentials(String user, String pass) {
        boolean nameMatches = MessageDigest.isEqual(expectedName, user.getBytes(StandardCharsets.UTF_8));
        boolean passwordMatches = MessageDigest.isEqual(expectedPassword, pass.getBytes(StandardCharsets.UTF_8));
        return nameMatches & passwordMatches;
      }
    };
  }

  @Override
  public String toString() {
    return name + ":********";
  }
}
