import Foundation
import JazzProto
import Testing

/// `caro exclude …` user patterns and the built-in secret filters (issue 11): nothing excluded is ever stored.
@Suite("caro exclude")
struct ExcludeTests {
    // MARK: User patterns

    @Test func userPatternAddListTestRemove() throws {
        let home = try TemporaryHome()
        let pattern = "^cd .*secret-project"
        Expect.success(try home.caro("exclude", "add", pattern))
        let list = try home.caro("exclude", "list")
        Expect.success(list)
        #expect(list.stdout.contains(pattern))
        let listJSON = try home.caro("exclude", "list", "--json")
        Expect.success(listJSON)
        #expect(try listJSON.json().jsonStringify().contains("secret-project"), "exclude list --json names the pattern: \(listJSON.stdout)")

        let excluded = try home.caro("exclude", "test", "cd ~/code/secret-project")
        #expect(excluded.status == 0, "exit 0 when excluded: \(excluded.stdout) \(excluded.stderr)")
        #expect((excluded.stdout + excluded.stderr).contains(pattern), "says which rule matched: \(excluded.stdout)")
        let kept = try home.caro("exclude", "test", "cd ~/code/public-project")
        #expect(kept.status == 1, "exit 1 when kept: \(kept.status) \(kept.stderr)")

        // Excluded commands are not stored; others are.
        _ = try home.caro("history", "add", "--command", "cd ~/code/secret-project")
        try home.add("cd ~/code/public-project")
        #expect(try home.allCommands() == ["cd ~/code/public-project"])
        #expect(Files.anyFile(under: home.path, contains: "code/secret-project").isEmpty)

        Expect.success(try home.caro("exclude", "remove", pattern))
        #expect(!(try home.caro("exclude", "list").stdout.contains(pattern)))
        #expect(try home.caro("exclude", "test", "cd ~/code/secret-project").status == 1)
        try home.add("cd ~/code/secret-project")
        #expect(try home.allCommands().contains("cd ~/code/secret-project"))
    }

    @Test func removingAnUnknownPatternFailsClearly() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("exclude", "add", "keep-this"))
        let result = try home.caro("exclude", "remove", "never-added")
        Expect.cleanFailure(result)
        #expect(try home.caro("exclude", "list").stdout.contains("keep-this"))
    }

    // MARK: Built-in secret filters

    /// A realistic command per built-in rule, and the secret part of it that must never be stored.
    struct SecretCase: CustomTestStringConvertible, Sendable {
        let rule: String
        let command: String
        let secret: String
        var testDescription: String { rule }
    }

    static let secretCases: [SecretCase] = [
        SecretCase(rule: "AWS access key", command: "aws configure set aws_access_key_id AKIAZ7Q2XK4M9PLR3TWB",
                   secret: "Z7Q2XK4M9PLR3TWB"),
        SecretCase(rule: "GitHub ghp_", command: "export GITHUB_TOKEN=ghp_R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N",
                   secret: "R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N"),
        SecretCase(rule: "GitHub gho_", command: "gh auth login --with-token <<< gho_Wq7Er4Ty1Ui8Op5As2Df9Gh6Jk3Lz0Xc7Vb4N",
                   secret: "Wq7Er4Ty1Ui8Op5As2Df9Gh6Jk3Lz0Xc7Vb4N"),
        SecretCase(rule: "GitHub github_pat_",
                   command: "curl -s -H 'X-Token: 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6hI8' https://api.github.com/user",
                   secret: "11AZBQ7YI0kX9mN2pQ4rS6_tU8vW0xY2zA4bC6dE8fG0hI2jK4lM6nO8pQ0rS2tU4vW6xY8zA0bC2dE4fG6hI8"),
        SecretCase(rule: "GitLab glpat-", command: "git clone https://oauth2:glpat-Xy7Bq2Mz9Kd4Lp8Rw3Tn@gitlab.com/team/app.git",
                   secret: "Xy7Bq2Mz9Kd4Lp8Rw3Tn"),
        SecretCase(rule: "Slack xoxb-", command: "curl -d 'token=xoxb-2841576930-7715329984231-Hq8ZmT3kLw9VbN2xRc5YpD4s' https://slack.com/api/chat.postMessage",
                   secret: "7715329984231-Hq8ZmT3kLw9VbN2xRc5YpD4s"),
        SecretCase(rule: "Slack xoxp-", command: "export SLACK_TOKEN=xoxp-1234567890-0987654321-1122334455-3f9c2a7b8d1e4f60a5b3c8d7e2f1a0b9",
                   secret: "3f9c2a7b8d1e4f60a5b3c8d7e2f1a0b9"),
        SecretCase(rule: "Stripe sk_live_", command: "curl https://api.stripe.com/v1/charges -u sk_live_51HqLyjWDarjtT1zdp7dcXkRt4pQ:",
                   secret: "51HqLyjWDarjtT1zdp7dcXkRt4pQ"),
        SecretCase(rule: "OpenAI sk-", command: "export OPENAI_API_KEY=sk-T3BlbkFJq9Xv2Lm7Nc4Rb8Wd1Ye6Zf0Ga5Hs3Jk7Lp2Qt9Uv",
                   secret: "T3BlbkFJq9Xv2Lm7Nc4Rb8Wd1Ye6Zf0Ga5Hs3Jk7Lp2Qt9Uv"),
        SecretCase(rule: "OpenAI sk-proj-", command: "OPENAI_API_KEY=sk-proj-Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6Kl9No2Qr5Tu8Wx python chat.py",
                   secret: "Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6Kl9No2Qr5Tu8Wx"),
        SecretCase(rule: "PEM private key",
                   command: "cat > deploy.pem <<'EOF'\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq7Zk9QpWv3XyLm2Nc8Rb4Td6Fg1Hj0Kl5Mn7Pq9Rs2Tu4Vw6\nXy8Za1Bc3De5Fg7Hi9Jk2Lm4No6Pq8Rs0Tu2Vw4Xy6Za8Bc0De2Fg4Hi6Jk8Lm0\n-----END RSA PRIVATE KEY-----\nEOF",
                   secret: "MIIEowIBAAKCAQEAq7Zk9QpWv3XyLm2Nc8Rb4Td6Fg1Hj0Kl5Mn7Pq9Rs2Tu4Vw6"),
        SecretCase(rule: "Authorization: Bearer",
                   command: "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvIn0.Qm9yaXNUaGVTcGlkZXI' https://api.example.com/me",
                   secret: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvIn0.Qm9yaXNUaGVTcGlkZXI"),
        SecretCase(rule: "password=", command: "./configure-db.sh --user admin password=Tr0ub4dor-x9q", secret: "Tr0ub4dor-x9q"),
        SecretCase(rule: "--password VALUE", command: "mysql -u root --password Qz8-unguessable -h db.internal", secret: "Qz8-unguessable"),
        SecretCase(rule: "--password=VALUE", command: "redis-cli --password=Kv4-sesame-771 ping", secret: "Kv4-sesame-771"),
        SecretCase(rule: "PGPASSWORD=", command: "PGPASSWORD=pg-Wobble-5521 psql -h db.internal -U app app_prod", secret: "pg-Wobble-5521"),
        SecretCase(rule: "MYSQL_PWD=", command: "MYSQL_PWD=my-Zebra-8873 mysqldump -u root shop > shop.sql", secret: "my-Zebra-8873"),
        SecretCase(rule: "URL user:pass@", command: "git clone https://alice:Sup3r-Hidden-42@git.example.com/team/repo.git",
                   secret: "Sup3r-Hidden-42"),
        SecretCase(rule: "database URL user:pass@", command: "psql postgres://app:Db-Quokka-913@localhost:5432/app",
                   secret: "Db-Quokka-913"),
    ]

    @Test(arguments: secretCases)
    func aBuiltInSecretIsDroppedOrRedactedAndNeverStored(_ secretCase: SecretCase) throws {
        let home = try TemporaryHome()
        try home.add("echo before")  // the database exists, so the search of its bytes below means something
        let result = try home.caro("history", "add", "--command", secretCase.command, "--json")
        #expect(!result.looksLikeACrash)
        #expect(!result.stdout.contains(secretCase.secret), "add printed the secret: \(result.stdout)")
        try home.add("echo after")

        let stored = try home.allCommands()
        #expect(stored.count == 2 || stored.count == 3, "\(stored)")
        for command in stored { #expect(!command.contains(secretCase.secret), "stored the secret: \(command)") }
        if stored.count == 3 {
            // Redacted: kept with the secret masked, and the rest of the command still there.
            let redacted = stored[1]
            #expect(redacted != secretCase.command)
            #expect(redacted.contains("****") || redacted.localizedCaseInsensitiveContains("redacted"), "redacted form: \(redacted)")
            let firstWord = secretCase.command.split(separator: " ").first.map(String.init) ?? ""
            let context = String(firstWord.prefix { $0 != "=" })
            #expect(redacted.hasPrefix(context), "the rest of the command is kept: \(redacted)")
        }
        // Nothing of the secret reaches any file of the home (database, WAL, config).
        for fragment in Self.fragments(of: secretCase.secret) {
            let files = Files.anyFile(under: home.path, contains: fragment)
            #expect(files.isEmpty, "\"\(fragment)\" found in \(files)")
        }
        // Nor does a search find it.
        let search = try home.caro("history", "search", String(secretCase.secret.prefix(8)), "--json")
        #expect(!search.stdout.contains(secretCase.secret))
    }

    @Test(arguments: secretCases)
    func excludeTestNamesTheBuiltInRuleAndNeverEchoesTheSecret(_ secretCase: SecretCase) throws {
        let home = try TemporaryHome()
        let result = try home.caro("exclude", "test", secretCase.command)
        #expect(result.status == 0, "a built-in rule matches: \(result.status) \(result.stdout)")
        #expect(!result.stdout.isEmpty, "says which rule matched")
        #expect(!result.stdout.contains(secretCase.secret) && !result.stderr.contains(secretCase.secret))
        // Documented in Docs/cli.md: {"excluded", "action", "rules", "stored"}.
        let json = try home.caro("exclude", "test", secretCase.command, "--json").json()
        #expect(json["excluded"]?.boolValue == true)
        #expect(["drop", "redact"].contains(json["action"]?.stringValue ?? ""), "\(json)")
        #expect((json["rules"]?.arrayValue?.count ?? 0) >= 1, "\(json)")
        #expect(!json.jsonStringify().contains(secretCase.secret))
        // Nothing was stored by testing.
        #expect(try home.allCommands() == [])
    }

    /// A secret pasted into a prompt, an explanation or a tag is screened too: nothing of it reaches the files.
    @Test func secretsInPromptExplanationAndTagsAreNotStoredEither() throws {
        let home = try TemporaryHome()
        let secret = "Hx7Kq2Wm9Pz4Lr8Tn3Vb6Yc1Df5Gj0Sa2Qe"
        let result = try home.caro("history", "add", "--command", "gh api user",
                                   "--prompt", "call the API with ghp_\(secret)",
                                   "--explanation", "uses the token ghp_\(secret) from your shell",
                                   "--tag", "ghp_\(secret)", "--json")
        #expect(!result.looksLikeACrash)
        #expect(!result.stdout.contains(secret))
        for fragment in Self.fragments(of: secret) {
            let files = Files.anyFile(under: home.path, contains: fragment)
            #expect(files.isEmpty, "\"\(fragment)\" found in \(files)")
        }
    }

    @Test func ordinaryCommandsAreNotMistakenForSecrets() throws {
        let home = try TemporaryHome()
        let commands = [
            "npm run task-runner", "kubectl get pods --namespace=desk-app", "git checkout risk-assessment",
            "grep -r 'password' docs/", "man passwd", "ssh deploy@build.example.com",
            "curl https://example.com/path?q=1", "echo AKIA", "ls ~/.ssh",
        ]
        for command in commands { try home.add(command) }
        #expect(Set(try home.allCommands()) == Set(commands))
    }

    @Test func builtInFiltersCanBeTurnedOffAndOn() throws {
        let home = try TemporaryHome()
        let command = "export GITHUB_TOKEN=ghp_R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N"
        Expect.success(try home.caro("exclude", "builtin", "off"))
        try home.add(command)
        #expect(try home.allCommands() == [command])
        Expect.success(try home.caro("exclude", "builtin", "on"))
        _ = try home.caro("history", "add", "--command", command + " # again")
        #expect(!(try home.allCommands().contains(command + " # again")))
    }

    @Test func userPatternsApplyBeforeStorageEvenWithBuiltInsOff() throws {
        let home = try TemporaryHome()
        Expect.success(try home.caro("exclude", "builtin", "off"))
        Expect.success(try home.caro("exclude", "add", "vault-token"))
        _ = try home.caro("history", "add", "--command", "echo vault-token-Zz91")
        try home.add("echo fine")
        #expect(try home.allCommands() == ["echo fine"])
        #expect(Files.anyFile(under: home.path, contains: "vault-token-Zz91").isEmpty)
    }

    /// The whole secret, and overlapping pieces of it (so a partial leak is caught too).
    static func fragments(of secret: String) -> [String] {
        let characters = Array(secret)
        let size = min(10, characters.count)
        return [secret] + stride(from: 0, through: characters.count - size, by: max(1, size / 2))
            .map { String(characters[$0..<$0 + size]) }
    }
}
