"""template.yaml's archive API: IAM on every route, throttled, no CORS unless asked, a read-only role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from precis.aws.settings import ApiSettings
from tests.cfn import BUCKET_ARN, RESULTS_BUCKET_ARN, as_list, props, statements

ROOT = Path(__file__).resolve().parent.parent.parent
ROLE = "ApiFunctionRole"
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:Query", "s3:GetObject", "s3:GetObjectVersion"}
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}


def http_api_events(resources: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every HttpApi event of every function: (function, event properties)."""
    return [
        (logical_id, event["Properties"])
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
    ]


def role_statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of ApiFunction's role, the only permissions it has."""
    assert props(resources, "ApiFunction")["Role"] == {"Fn::GetAtt": [ROLE, "Arn"]}
    return list(statements(props(resources, ROLE)["Policies"]))


def test_template_api_authorizes_every_route_with_iam(resources: dict[str, Any]) -> None:
    auth = props(resources, "ArchiveApi")["Auth"]
    routes = http_api_events(resources)

    assert auth == {"EnableIamAuthorizer": True, "DefaultAuthorizer": "AWS_IAM"}
    assert {(event["Path"], event["Method"]) for _, event in routes} == {("/", "GET"), ("/{proxy+}", "GET")}
    for function, event in routes:
        assert function == "ApiFunction"
        assert event["ApiId"] == {"Ref": "ArchiveApi"}
        assert "Auth" not in event, "a route-level Auth could turn IAM off for that route"


def test_template_api_is_the_only_api(resources: dict[str, Any]) -> None:
    apis = {
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"]
        in ("AWS::Serverless::HttpApi", "AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::Lambda::Url")
    }

    assert apis == {"ArchiveApi"}
    assert not any("FunctionUrlConfig" in resource.get("Properties", {}) for resource in resources.values())


def test_template_api_stage_is_throttled(template: dict[str, Any], resources: dict[str, Any]) -> None:
    routes = props(resources, "ArchiveApi")["DefaultRouteSettings"]
    parameters = template["Parameters"]

    assert routes["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert routes["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert parameters["ApiThrottlingRateLimit"]["Default"] > 0
    assert parameters["ApiThrottlingBurstLimit"]["Default"] >= parameters["ApiThrottlingRateLimit"]["Default"]


def test_template_api_sends_cors_headers_only_for_named_origins(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    condition, allowed, otherwise = props(resources, "ArchiveApi")["CorsConfiguration"]["Fn::If"]

    assert condition == "HasApiAllowedOrigins"
    assert template["Parameters"]["ApiAllowedOrigins"]["Default"] == ""
    assert template["Conditions"]["HasApiAllowedOrigins"] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "ApiAllowedOrigins"}]}, ""]}]
    }
    assert allowed["AllowOrigins"] == {"Ref": "ApiAllowedOrigins"}
    assert allowed["AllowMethods"] == ["GET"]
    assert otherwise == {"Ref": "AWS::NoValue"}


def test_template_api_access_log_keeps_no_path_or_query(resources: dict[str, Any]) -> None:
    log_format = props(resources, "ArchiveApi")["AccessLogSettings"]["Format"]

    assert "$context.requestId" in log_format
    assert "path" not in log_format.lower() and "querystring" not in log_format.lower()


def test_template_api_role_only_reads(resources: dict[str, Any]) -> None:
    granted = {action for statement in role_statements(resources) for action in as_list(statement["Action"])}

    assert granted <= READ_ACTIONS | LOG_ACTIONS
    assert all(statement["Effect"] == "Allow" for statement in role_statements(resources))
    assert all(statement["Resource"] != "*" for statement in role_statements(resources))


def test_template_api_role_reads_only_the_stacks_tables_and_buckets(resources: dict[str, Any]) -> None:
    reads = {
        (action, repr(resource))
        for statement in role_statements(resources)
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
        if action in READ_ACTIONS
    }

    assert reads == {
        ("dynamodb:GetItem", repr({"Fn::GetAtt": ["ResultsTable", "Arn"]})),
        ("dynamodb:Query", repr({"Fn::GetAtt": ["IndexTable", "Arn"]})),
        ("s3:GetObjectVersion", repr({"Fn::Sub": f"{BUCKET_ARN}/*"})),
        ("s3:GetObject", repr({"Fn::Sub": f"{RESULTS_BUCKET_ARN}/results/*"})),
    }


def test_template_api_environment_has_every_setting_the_function_requires(resources: dict[str, Any]) -> None:
    environment = props(resources, "ApiFunction")["Environment"]["Variables"]

    settings = ApiSettings.from_env({name: "x" for name in environment})

    assert settings == ApiSettings("x", "x", "x")
    assert environment["PRECIS_ARTICLES_BUCKET"] == {"Ref": "ArticlesBucket"}


def test_template_api_function_runs_its_app_py_on_python312(resources: dict[str, Any]) -> None:
    function = props(resources, "ApiFunction")

    assert function["CodeUri"] == "functions/api"
    assert function["Handler"] == "app.lambda_handler"
    assert function["Runtime"] == "python3.12"
    assert "from precis.aws.api import from_environment" in (ROOT / "functions/api/app.py").read_text()
    assert "Layers" not in function, "the API ships no spaCy"


def test_template_api_url_is_an_output(template: dict[str, Any]) -> None:
    assert "ArchiveApi" in repr(template["Outputs"]["ApiUrl"]["Value"])
